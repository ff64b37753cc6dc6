// nlfloor IFNAME N MAC_PREFIX_BYTE VLAN QOS MIN MAX FLAG LINKSTATE: the floor for the VF
// settings benchmark. One process sends hand-built RTM_SETLINK messages with six settings
// for VFs 0..N-1 (MAC 02:00:PP:00:hi:lo, VLAN+QoS, min/max rate, spoofchk, trust, link
// state), as few messages as 64 KiB allows, and waits for the ACKs. No reads, no checks: the
// least work any tool can do for the same change.
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

struct Msg {
  std::vector<char> buf;
  size_t len = 0;
  void put(const void* data, size_t n) {
    std::memcpy(buf.data() + len, data, n);
    len += NLA_ALIGN(n);
  }
  rtattr* attr(int type, const void* data, size_t n) {
    auto* a = reinterpret_cast<rtattr*>(buf.data() + len);
    a->rta_type = static_cast<unsigned short>(type);
    a->rta_len = static_cast<unsigned short>(RTA_LENGTH(n));
    if (data) std::memcpy(RTA_DATA(a), data, n);
    len += RTA_SPACE(n);
    return a;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 10) {
    std::fprintf(stderr, "usage: nlfloor IFNAME N PREFIX VLAN QOS MIN MAX FLAG LINKSTATE\n");
    return 2;
  }
  int ifindex = static_cast<int>(if_nametoindex(argv[1]));
  unsigned n = std::atoi(argv[2]), prefix = std::atoi(argv[3]), vlan = std::atoi(argv[4]),
           qos = std::atoi(argv[5]), min = std::atoi(argv[6]), max = std::atoi(argv[7]),
           flag = std::atoi(argv[8]), link = std::atoi(argv[9]);
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  unsigned seq = 0, vf = 0;
  while (vf < n) {
    Msg m;
    m.buf.assign(70000, 0);
    auto* h = reinterpret_cast<nlmsghdr*>(m.buf.data());
    m.len = NLMSG_HDRLEN;
    ifinfomsg ifi{};
    ifi.ifi_index = ifindex;
    m.put(&ifi, sizeof ifi);
    auto* list = m.attr(IFLA_VFINFO_LIST, nullptr, 0);
    size_t list_start = reinterpret_cast<char*>(list) - m.buf.data();
    for (; vf < n && m.len - list_start < 60000 - 128; ++vf) {
      auto* info = m.attr(IFLA_VF_INFO, nullptr, 0);
      size_t info_start = reinterpret_cast<char*>(info) - m.buf.data();
      ifla_vf_mac mac{};
      mac.vf = vf;
      unsigned char bytes[6] = {2, 0, static_cast<unsigned char>(prefix), 0,
                                static_cast<unsigned char>(vf >> 8), static_cast<unsigned char>(vf)};
      std::memcpy(mac.mac, bytes, 6);
      m.attr(IFLA_VF_MAC, &mac, sizeof mac);
      ifla_vf_vlan v{vf, vlan, qos};
      m.attr(IFLA_VF_VLAN, &v, sizeof v);
      ifla_vf_rate r{vf, min, max};
      m.attr(IFLA_VF_RATE, &r, sizeof r);
      ifla_vf_spoofchk s{vf, flag};
      m.attr(IFLA_VF_SPOOFCHK, &s, sizeof s);
      ifla_vf_trust t{vf, flag};
      m.attr(IFLA_VF_TRUST, &t, sizeof t);
      ifla_vf_link_state l{vf, link};
      m.attr(IFLA_VF_LINK_STATE, &l, sizeof l);
      reinterpret_cast<rtattr*>(m.buf.data() + info_start)->rta_len =
          static_cast<unsigned short>(m.len - info_start);
    }
    reinterpret_cast<rtattr*>(m.buf.data() + list_start)->rta_len =
        static_cast<unsigned short>(m.len - list_start);
    h->nlmsg_len = static_cast<unsigned>(m.len);
    h->nlmsg_type = RTM_SETLINK;
    h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    h->nlmsg_seq = ++seq;
    if (send(fd, m.buf.data(), m.len, 0) < 0) {
      std::perror("send");
      return 1;
    }
    char ack[4096];
    auto got = recv(fd, ack, sizeof ack, 0);
    auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(reinterpret_cast<nlmsghdr*>(ack)));
    if (got <= 0 || e->error != 0) {
      std::fprintf(stderr, "nlfloor: %s\n", got <= 0 ? "no ACK" : std::strerror(-e->error));
      return 1;
    }
  }
  std::printf("nlfloor: %u VFs in %u messages\n", n, seq);
  return 0;
}
