// vfdump IFNAME: prints every VF's settings as the kernel reports them over rtnetlink, one
// line per VF. An independent check for the real-kernel tests: raw netlink, no libsriov, no
// libnl, and it walks the VF entries by IFLA_NUM_VF, so it is not fooled (like `ip`) by a VF
// list whose 16-bit length wrapped past 64 KiB.
//
// Output: "vf N mac M vlan V qos Q proto P min_rate A max_rate B spoofchk S trust T
//          link_state L query_rss R", flags as 0/1 or "na"; last line "num_vf N listed K".
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace {

const rtattr* find(const rtattr* first, int len, int type) {
  for (const rtattr* a = first; RTA_OK(a, len); a = RTA_NEXT(a, len))
    if ((a->rta_type & NLA_TYPE_MASK) == type) return a;
  return nullptr;
}

const char* flag(unsigned v) { return v == 0xffffffffu ? "na" : (v ? "1" : "0"); }

void print_vf(const rtattr* info) {
  const rtattr* first = static_cast<const rtattr*>(RTA_DATA(info));
  int len = RTA_PAYLOAD(info);
  auto get = [&](int type) { return find(first, len, type); };
  const auto* mac = static_cast<const ifla_vf_mac*>(RTA_DATA(get(IFLA_VF_MAC)));
  unsigned vlan = 0, qos = 0, proto = ETH_P_8021Q, min = 0, max = 0;
  unsigned spoof = 0xffffffffu, trust = 0xffffffffu, rss = 0xffffffffu, link = 0;
  if (auto* a = get(IFLA_VF_VLAN)) {
    auto* v = static_cast<const ifla_vf_vlan*>(RTA_DATA(a));
    vlan = v->vlan;
    qos = v->qos;
  }
  if (auto* list = get(IFLA_VF_VLAN_LIST)) {
    if (auto* vi = find(static_cast<const rtattr*>(RTA_DATA(list)), RTA_PAYLOAD(list),
                        IFLA_VF_VLAN_INFO))
      proto = ntohs(static_cast<const ifla_vf_vlan_info*>(RTA_DATA(vi))->vlan_proto);
  }
  if (auto* a = get(IFLA_VF_RATE)) {
    auto* r = static_cast<const ifla_vf_rate*>(RTA_DATA(a));
    min = r->min_tx_rate;
    max = r->max_tx_rate;
  }
  if (auto* a = get(IFLA_VF_SPOOFCHK)) spoof = static_cast<const ifla_vf_spoofchk*>(RTA_DATA(a))->setting;
  if (auto* a = get(IFLA_VF_TRUST)) trust = static_cast<const ifla_vf_trust*>(RTA_DATA(a))->setting;
  if (auto* a = get(IFLA_VF_RSS_QUERY_EN))
    rss = static_cast<const ifla_vf_rss_query_en*>(RTA_DATA(a))->setting;
  if (auto* a = get(IFLA_VF_LINK_STATE))
    link = static_cast<const ifla_vf_link_state*>(RTA_DATA(a))->link_state;
  static const char* links[] = {"auto", "enable", "disable"};
  std::printf("vf %u mac %02x:%02x:%02x:%02x:%02x:%02x vlan %u qos %u proto %s min_rate %u "
              "max_rate %u spoofchk %s trust %s link_state %s query_rss %s\n",
              mac->vf, mac->mac[0], mac->mac[1], mac->mac[2], mac->mac[3], mac->mac[4],
              mac->mac[5], vlan, qos, proto == ETH_P_8021AD ? "802.1ad" : "802.1Q", min, max,
              flag(spoof), flag(trust), link < 3 ? links[link] : "?", flag(rss));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: vfdump IFNAME\n");
    return 2;
  }
  unsigned ifindex = if_nametoindex(argv[1]);
  if (!ifindex) {
    std::perror(argv[1]);
    return 1;
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  int rcvbuf = 16 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  struct {
    nlmsghdr h;
    ifinfomsg i;
    char attrs[64];
  } req{};
  req.h.nlmsg_type = RTM_GETLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST;
  req.i.ifi_family = AF_UNSPEC;
  req.i.ifi_index = static_cast<int>(ifindex);
  auto* mask = reinterpret_cast<rtattr*>(req.attrs);
  mask->rta_type = IFLA_EXT_MASK;
  mask->rta_len = RTA_LENGTH(4);
  unsigned filter = RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS;
  std::memcpy(RTA_DATA(mask), &filter, 4);
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg)) + RTA_SPACE(4);
  if (send(fd, &req, req.h.nlmsg_len, 0) < 0) {
    std::perror("send");
    return 1;
  }
  std::vector<char> buf(32 << 20);
  ssize_t n = recv(fd, buf.data(), buf.size(), 0);
  auto* h = reinterpret_cast<nlmsghdr*>(buf.data());
  if (n <= 0 || !NLMSG_OK(h, static_cast<unsigned>(n)) || h->nlmsg_type != RTM_NEWLINK) {
    std::fprintf(stderr, "vfdump: no RTM_NEWLINK reply\n");
    return 1;
  }
  const char* end = reinterpret_cast<const char*>(h) + h->nlmsg_len;
  auto* ifi = static_cast<ifinfomsg*>(NLMSG_DATA(h));
  const rtattr* a = IFLA_RTA(ifi);
  unsigned num_vf = 0, listed = 0;
  for (; reinterpret_cast<const char*>(a) + sizeof(rtattr) <= end;
       a = reinterpret_cast<const rtattr*>(reinterpret_cast<const char*>(a) +
                                            RTA_ALIGN(a->rta_len))) {
    if (a->rta_len < sizeof(rtattr)) break;
    if (a->rta_type == IFLA_NUM_VF) num_vf = *static_cast<const unsigned*>(RTA_DATA(a));
    if ((a->rta_type & NLA_TYPE_MASK) != IFLA_VFINFO_LIST) continue;
    // Entries by IFLA_NUM_VF, not by the (possibly wrapped) list length.
    const char* p = static_cast<const char*>(RTA_DATA(a));
    for (; listed < num_vf && p + sizeof(rtattr) <= end; ++listed) {
      auto* info = reinterpret_cast<const rtattr*>(p);
      if (info->rta_type != IFLA_VF_INFO || info->rta_len < sizeof(rtattr)) break;
      print_vf(info);
      p += RTA_ALIGN(info->rta_len);
    }
    break;
  }
  std::printf("num_vf %u listed %u\n", num_vf, listed);
  return listed == num_vf ? 0 : 1;
}
