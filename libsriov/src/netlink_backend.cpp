// rtnetlink VF reads and writes (the only file that talks netlink).
//
// libnl-3 provides the socket, message buffers and attribute helpers. The VF attributes are
// encoded and decoded here rather than through libnl-route-3.7's rtnl_link_vf_* API, which
// sends RTM_NEWLINK and then re-sends the whole request as RTM_SETLINK, puts 802.1ad in host
// byte order, zeroes an unset rate bound, re-sends every field of a cached link and reads with
// per-VF stats (kernel-abi.md §3.6).

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "sriov/link_backend.hpp"

namespace sriov {
namespace {

constexpr unsigned kNotReported = 0xffffffffu;

std::optional<bool> flag(uint32_t value) {
  if (value == kNotReported) return std::nullopt;
  return value != 0;
}

template <class T>
bool read_struct(nlattr* attr, T& out) {
  if (!attr || nla_len(attr) < static_cast<int>(sizeof(T))) return false;
  std::memcpy(&out, nla_data(attr), sizeof(T));
  return true;
}

// One IFLA_VF_INFO nest into a VfState; false when it is not a well-formed entry.
bool decode_vf(nlattr* info, VfState& out) {
  nlattr* tb[IFLA_VF_MAX + 1];
  if (nla_parse_nested(tb, IFLA_VF_MAX, info, nullptr) < 0) return false;
  ifla_vf_mac mac{};
  if (!read_struct(tb[IFLA_VF_MAC], mac)) return false;
  out.index = mac.vf;
  auto& s = out.settings;
  std::memcpy(s.mac.bytes.data(), mac.mac, 6);
  ifla_vf_vlan vlan{};
  if (read_struct(tb[IFLA_VF_VLAN], vlan)) {
    s.vlan = vlan.vlan;
    s.qos = vlan.qos;
  }
  if (tb[IFLA_VF_VLAN_LIST]) {
    nlattr* entry;
    int rem;
    nla_for_each_nested(entry, tb[IFLA_VF_VLAN_LIST], rem) {
      ifla_vf_vlan_info vi{};
      if (nla_type(entry) == IFLA_VF_VLAN_INFO && read_struct(entry, vi)) {
        s.vlan = vi.vlan;
        s.qos = vi.qos;
        s.vlan_proto = ntohs(vi.vlan_proto) == ETH_P_8021AD ? VlanProto::dot1ad : VlanProto::dot1q;
        break;
      }
    }
  }
  ifla_vf_rate rate{};
  if (read_struct(tb[IFLA_VF_RATE], rate)) {
    s.min_rate = rate.min_tx_rate;
    s.max_rate = rate.max_tx_rate;
  }
  ifla_vf_spoofchk spoof{};
  if (read_struct(tb[IFLA_VF_SPOOFCHK], spoof)) s.spoofchk = flag(spoof.setting);
  ifla_vf_trust trust{};
  if (read_struct(tb[IFLA_VF_TRUST], trust)) s.trust = flag(trust.setting);
  ifla_vf_rss_query_en rss{};
  if (read_struct(tb[IFLA_VF_RSS_QUERY_EN], rss)) s.query_rss = flag(rss.setting);
  ifla_vf_link_state ls{};
  if (read_struct(tb[IFLA_VF_LINK_STATE], ls))
    s.link_state = ls.link_state == 1 ? LinkState::enable
                   : ls.link_state == 2 ? LinkState::disable
                                        : LinkState::automatic;
  return true;
}

// Walks IFLA_VF_INFO entries from the start of IFLA_VFINFO_LIST without trusting the list's
// own length: past 64 KiB that 16-bit length wraps, while the message (32-bit length) still
// holds every entry. Stops at num_vf entries or at the first thing that is not an entry.
Result<VfDump> decode_vf_list(nlattr* list, const char* msg_end, unsigned num_vf) {
  VfDump dump;
  dump.num_vf = num_vf;
  const char* p = reinterpret_cast<const char*>(nla_data(list));
  for (unsigned i = 0; i < num_vf; ++i) {
    auto* entry = reinterpret_cast<nlattr*>(const_cast<char*>(p));
    if (p + NLA_HDRLEN > msg_end || entry->nla_len < NLA_HDRLEN ||
        p + entry->nla_len > msg_end || nla_type(entry) != IFLA_VF_INFO)
      break;
    VfState vf;
    if (!decode_vf(entry, vf) || vf.index != i) break;
    dump.vfs.push_back(vf);
    p += NLA_ALIGN(entry->nla_len);
  }
  size_t walked = static_cast<size_t>(p - reinterpret_cast<const char*>(list));
  dump.recovered_wrapped_list = walked != list->nla_len && (walked & 0xffff) == list->nla_len;
  return dump;
}

class NetlinkBackend final : public LinkBackend {
 public:
  ~NetlinkBackend() override {
    if (sock_) nl_socket_free(sock_);
  }

  Result<VfDump> read(const std::string& ifname) override {
    auto ifindex = index_of(ifname);
    if (!ifindex) return tl::unexpected(ifindex.error());
    if (auto ok = connect(); !ok) return tl::unexpected(ok.error());
    nl_msg* msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_REQUEST);
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = *ifindex;
    nlmsg_append(msg, &ifi, sizeof ifi, NLMSG_ALIGNTO);
    nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
    int sent = nl_send_auto(sock_, msg);
    nlmsg_free(msg);
    ++counters_.get_requests;
    if (sent < 0) return fail(Errc::io, fmt::format("netlink send: {}", nl_geterror(sent)));
    Result<VfDump> dump = fail(Errc::io, "no reply to RTM_GETLINK for " + ifname);
    auto got = receive([&](nlmsghdr* hdr, const char* end) {
      dump = parse_link(hdr, end, ifname);
      dump->ifindex = *ifindex;
    });
    if (!got) return tl::unexpected(got.error());
    return dump;
  }

  Status send(const std::string& ifname, const std::vector<VfChange>& changes) override {
    auto ifindex = index_of(ifname);
    if (!ifindex) return tl::unexpected(ifindex.error());
    if (auto ok = connect(); !ok) return ok;
    size_t bytes = NLA_HDRLEN;
    for (const auto& c : changes) bytes += encoded_size(c);
    nl_msg* msg = nlmsg_alloc_size(bytes + 1024);
    nlmsghdr* hdr = nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, RTM_SETLINK, sizeof(ifinfomsg),
                              NLM_F_REQUEST | NLM_F_ACK);
    auto* ifi = static_cast<ifinfomsg*>(nlmsg_data(hdr));
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = *ifindex;
    nlattr* list = nla_nest_start(msg, IFLA_VFINFO_LIST);
    for (const auto& c : changes) encode(msg, c);
    nla_nest_end(msg, list);
    int sent = nl_send_auto(sock_, msg);
    nlmsg_free(msg);
    ++counters_.set_requests;
    if (sent < 0) return fail(Errc::io, fmt::format("netlink send: {}", nl_geterror(sent)));
    return receive([](nlmsghdr*, const char*) {});
  }

  LinkCounters counters() const override { return counters_; }
  void count_retry() override { ++counters_.retries; }

 private:
  Status connect() {
    if (sock_) return {};
    sock_ = nl_socket_alloc();
    if (!sock_) return fail(Errc::io, "cannot allocate a netlink socket");
    int err = nl_connect(sock_, NETLINK_ROUTE);
    if (err < 0) {
      nl_socket_free(sock_);
      sock_ = nullptr;
      return fail(Errc::io, fmt::format("cannot open rtnetlink: {}", nl_geterror(err)));
    }
    // Replies with many VFs run to hundreds of KiB.
    nl_socket_set_buffer_size(sock_, 8 << 20, 1 << 20);
    nl_socket_set_msg_buf_size(sock_, 4 << 20);
    nl_socket_enable_msg_peek(sock_);
    nl_socket_disable_auto_ack(sock_);  // flags are set per message above
    return {};
  }

  Result<int> index_of(const std::string& ifname) {
    unsigned index = if_nametoindex(ifname.c_str());
    if (index == 0)
      return fail(Errc::not_found,
                  fmt::format("no netdev {} in this network namespace (rtnetlink sees the "
                              "namespace sriovctl runs in)",
                              ifname));
    return static_cast<int>(index);
  }

  // Reads until the reply to the last request: an NLMSG_ERROR (ACK or error) or a message the
  // handler consumes.
  template <class Handler>
  Status receive(Handler handle) {
    for (;;) {
      sockaddr_nl peer{};
      unsigned char* buf = nullptr;
      int n = nl_recv(sock_, &peer, &buf, nullptr);
      if (n <= 0) {
        free(buf);
        return fail(Errc::io, fmt::format("netlink receive: {}", n < 0 ? nl_geterror(n) : "EOF"));
      }
      auto* hdr = reinterpret_cast<nlmsghdr*>(buf);
      int left = n;
      bool done = false;
      Status status;
      for (; nlmsg_ok(hdr, left); hdr = nlmsg_next(hdr, &left)) {
        if (hdr->nlmsg_type == NLMSG_ERROR) {
          auto* e = static_cast<nlmsgerr*>(nlmsg_data(hdr));
          if (e->error != 0)
            status = fail(Errc::kernel, std::strerror(-e->error), {}, -e->error);
          done = true;
        } else if (hdr->nlmsg_type == RTM_NEWLINK) {
          handle(hdr, reinterpret_cast<const char*>(hdr) + hdr->nlmsg_len);
          done = true;
        }
      }
      free(buf);
      if (done) return status;
    }
  }

  Result<VfDump> parse_link(nlmsghdr* hdr, const char* end, const std::string& ifname) {
    auto* attrs = reinterpret_cast<nlattr*>(static_cast<char*>(nlmsg_data(hdr)) +
                                            NLMSG_ALIGN(sizeof(ifinfomsg)));
    int left = static_cast<int>(end - reinterpret_cast<const char*>(attrs));
    std::optional<unsigned> num_vf;
    nlattr* attr;
    int rem;
    nla_for_each_attr(attr, attrs, left, rem) {
      if (nla_type(attr) == IFLA_NUM_VF) {
        // nla_get_u32 reads four bytes whatever the attribute's length says.
        if (nla_len(attr) < static_cast<int>(sizeof(uint32_t)))
          return fail(Errc::kernel, fmt::format("the kernel's reply for {} has an IFLA_NUM_VF of "
                                                "{} bytes, not 4; refusing to read it",
                                                ifname, nla_len(attr)));
        num_vf = nla_get_u32(attr);
      }
      if (nla_type(attr) != IFLA_VFINFO_LIST) continue;
      if (!num_vf) break;
      auto dump = decode_vf_list(attr, end, *num_vf);
      if (!dump) return dump;
      if (dump->vfs.size() != *num_vf)
        return fail(Errc::kernel,
                    fmt::format("the kernel's reply for {} lists {} of its {} VFs (the VF list "
                                "was truncated); refusing to act on a partial list",
                                ifname, dump->vfs.size(), *num_vf));
      return dump;
    }
    VfDump empty;
    empty.num_vf = num_vf.value_or(0);
    if (empty.num_vf > 0)
      return fail(Errc::kernel, fmt::format("the kernel reports {} VFs on {} but no VF list",
                                            empty.num_vf, ifname));
    return empty;
  }

  static void encode(nl_msg* msg, const VfChange& c) {
    const auto& a = c.after;
    nlattr* info = nla_nest_start(msg, IFLA_VF_INFO);
    if (c.fields & kFieldMac) {
      ifla_vf_mac m{};
      m.vf = c.index;
      std::memcpy(m.mac, a.mac.bytes.data(), 6);
      nla_put(msg, IFLA_VF_MAC, sizeof m, &m);
    }
    if (c.fields & kFieldVlan) {
      if (a.vlan_proto == VlanProto::dot1ad) {
        // Network byte order, as the kernel expects (libnl 3.7 sends host order).
        ifla_vf_vlan_info vi{};
        vi.vf = c.index;
        vi.vlan = a.vlan;
        vi.qos = a.qos;
        vi.vlan_proto = htons(ETH_P_8021AD);
        nlattr* vlist = nla_nest_start(msg, IFLA_VF_VLAN_LIST);
        nla_put(msg, IFLA_VF_VLAN_INFO, sizeof vi, &vi);
        nla_nest_end(msg, vlist);
      } else {
        ifla_vf_vlan v{c.index, a.vlan, a.qos};
        nla_put(msg, IFLA_VF_VLAN, sizeof v, &v);
      }
    }
    if (c.fields & kFieldRate) {
      ifla_vf_rate r{c.index, a.min_rate, a.max_rate};
      nla_put(msg, IFLA_VF_RATE, sizeof r, &r);
    }
    auto put_flag = [&](unsigned field, int type, const std::optional<bool>& value) {
      if (!(c.fields & field) || !value) return;
      uint32_t v[2] = {c.index, *value ? 1u : 0u};  // every flag struct is {vf, setting}
      nla_put(msg, type, sizeof v, v);
    };
    put_flag(kFieldSpoofchk, IFLA_VF_SPOOFCHK, a.spoofchk);
    if (c.fields & kFieldLinkState) {
      ifla_vf_link_state ls{c.index, static_cast<uint32_t>(a.link_state)};
      nla_put(msg, IFLA_VF_LINK_STATE, sizeof ls, &ls);
    }
    put_flag(kFieldQueryRss, IFLA_VF_RSS_QUERY_EN, a.query_rss);
    put_flag(kFieldTrust, IFLA_VF_TRUST, a.trust);
    nla_nest_end(msg, info);
  }

  nl_sock* sock_ = nullptr;
  LinkCounters counters_;
};

}  // namespace

size_t encoded_size(const VfChange& c) {
  auto attr = [](size_t payload) { return static_cast<size_t>(NLA_ALIGN(NLA_HDRLEN + payload)); };
  size_t n = NLA_HDRLEN;
  if (c.fields & kFieldMac) n += attr(sizeof(ifla_vf_mac));
  if (c.fields & kFieldVlan)
    n += c.after.vlan_proto == VlanProto::dot1ad ? NLA_HDRLEN + attr(sizeof(ifla_vf_vlan_info))
                                                 : attr(sizeof(ifla_vf_vlan));
  if (c.fields & kFieldRate) n += attr(sizeof(ifla_vf_rate));
  for (unsigned f : {kFieldSpoofchk, kFieldLinkState, kFieldQueryRss, kFieldTrust})
    if (c.fields & f) n += attr(2 * sizeof(uint32_t));
  return n;
}

std::unique_ptr<LinkBackend> make_netlink_backend() { return std::make_unique<NetlinkBackend>(); }

}  // namespace sriov
