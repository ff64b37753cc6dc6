#include "sriov/vf_config.hpp"

#include <fmt/format.h>

#include "parse_util.hpp"
#include "sriov/text.hpp"

namespace sriov {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<bool> parse_on_off(std::string_view key, std::string_view value) {
  if (value == "on") return true;
  if (value == "off") return false;
  return fail(Errc::invalid_input,
              fmt::format("{}={}: expected on or off", key, value));
}

Result<unsigned> parse_number(std::string_view key, std::string_view value, uint64_t max,
                              std::string_view what) {
  auto n = parse_decimal(value);
  if (!n)
    return fail(Errc::invalid_input,
                fmt::format("{}={}: expected a decimal number without leading zeros ({})", key,
                            escape(value, true), what));
  if (*n > max)
    return fail(Errc::invalid_input,
                fmt::format("{}={}: out of range ({})", key, value, what));
  return static_cast<unsigned>(*n);
}

std::string on_off(const std::optional<bool>& v) {
  return v ? (*v ? "on" : "off") : "not reported";
}

}  // namespace

std::string_view name(VlanProto proto) { return proto == VlanProto::dot1ad ? "802.1ad" : "802.1Q"; }

std::string_view name(LinkState state) {
  switch (state) {
    case LinkState::enable: return "enable";
    case LinkState::disable: return "disable";
    case LinkState::automatic: break;
  }
  return "auto";
}

bool VfConfig::empty() const {
  return !mac && !mac_from && !vlan && !qos && !vlan_proto && !min_rate && !max_rate &&
         !spoofchk && !trust && !query_rss && !link_state;
}

Status parse_vf_setting(std::string_view text, VfConfig& c) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return fail(Errc::invalid_input,
                fmt::format("'{}': expected KEY=VALUE, e.g. vlan=100 (keys: mac, mac-from, vlan, "
                            "qos, vlan-proto, min-rate, max-rate, spoofchk, trust, link-state, "
                            "query-rss)",
                            text));
  auto key = text.substr(0, eq);
  auto value = text.substr(eq + 1);
  auto assign = [](auto& field, auto result) -> Status {
    if (!result) return tl::unexpected(result.error());
    field = *result;
    return {};
  };
  auto mac = [&](std::optional<MacAddress>& field) -> Status {
    auto m = MacAddress::parse(value);
    if (!m) return fail(Errc::invalid_input, fmt::format("{}: {}", key, m.error().message));
    field = *m;
    return {};
  };
  if (key == "mac") return mac(c.mac);
  if (key == "mac-from") return mac(c.mac_from);
  if (key == "vlan") return assign(c.vlan, parse_number(key, value, 4095, "VLAN ID 0-4095"));
  if (key == "qos") return assign(c.qos, parse_number(key, value, 7, "802.1p priority 0-7"));
  if (key == "min-rate")
    return assign(c.min_rate, parse_number(key, value, 0xffffffffu, "Mbit/s"));
  if (key == "max-rate")
    return assign(c.max_rate, parse_number(key, value, 0xffffffffu, "Mbit/s, 0 = unlimited"));
  if (key == "spoofchk") return assign(c.spoofchk, parse_on_off(key, value));
  if (key == "trust") return assign(c.trust, parse_on_off(key, value));
  if (key == "query-rss") return assign(c.query_rss, parse_on_off(key, value));
  if (key == "vlan-proto") {
    auto v = lower(value);
    if (v == "802.1q") c.vlan_proto = VlanProto::dot1q;
    else if (v == "802.1ad") c.vlan_proto = VlanProto::dot1ad;
    else return fail(Errc::invalid_input, fmt::format("{}={}: expected 802.1Q or 802.1ad", key, value));
    return {};
  }
  if (key == "link-state") {
    if (value == "auto") c.link_state = LinkState::automatic;
    else if (value == "enable") c.link_state = LinkState::enable;
    else if (value == "disable") c.link_state = LinkState::disable;
    else return fail(Errc::invalid_input,
                     fmt::format("{}={}: expected auto, enable or disable", key, value));
    return {};
  }
  return fail(Errc::invalid_input,
              fmt::format("unknown setting '{}' (keys: mac, mac-from, vlan, qos, vlan-proto, "
                          "min-rate, max-rate, spoofchk, trust, link-state, query-rss)",
                          key));
}

Status validate(const VfConfig& c, const std::string& who) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::invalid_input, fmt::format("{}: {}", who, why));
  };
  if (c.mac && c.mac_from) return bad("give mac or mac-from, not both");
  for (const auto* m : {&c.mac, &c.mac_from})
    if (*m && (*m)->is_multicast())
      return bad(fmt::format("{} is a multicast address; a VF needs a unicast MAC (e.g. one "
                             "starting 02:)",
                             (*m)->str()));
  // A range of vendor addresses would take ones a vendor hands out to other hosts' NICs.
  if (c.mac_from && !c.mac_from->is_locally_administered())
    return bad(fmt::format("mac-from {} is a universally administered (vendor) address; a "
                           "range needs a locally administered base (second digit 2, 6, a or "
                           "e, e.g. 02:...)",
                           c.mac_from->str()));
  if (c.vlan && *c.vlan > 4095) return bad(fmt::format("vlan {} is above 4095", *c.vlan));
  if (c.qos && *c.qos > 7) return bad(fmt::format("qos {} is above 7", *c.qos));
  if (c.min_rate && c.max_rate && *c.max_rate != 0 && *c.min_rate > *c.max_rate)
    return bad(fmt::format("min-rate {} is above max-rate {}", *c.min_rate, *c.max_rate));
  return {};
}

Result<VfChange> diff(const VfState& current, const VfConfig& c, unsigned mac_offset) {
  VfChange change;
  change.index = current.index;
  change.before = current.settings;
  VfSettings& a = change.after;
  a = current.settings;
  if (c.mac) a.mac = *c.mac;
  if (c.mac_from) {
    auto m = c.mac_from->plus(mac_offset);
    if (!m) return tl::unexpected(m.error());
    if (m->is_multicast())
      return fail(Errc::invalid_input,
                  fmt::format("VF {}: mac-from gives {}, a multicast address", current.index,
                              m->str()));
    a.mac = *m;
  }
  if (c.vlan) a.vlan = *c.vlan;
  if (c.qos) a.qos = *c.qos;
  if (c.vlan_proto) a.vlan_proto = *c.vlan_proto;
  if (c.min_rate) a.min_rate = *c.min_rate;
  if (c.max_rate) a.max_rate = *c.max_rate;
  if (a.max_rate != 0 && a.min_rate > a.max_rate)
    return fail(Errc::invalid_input,
                fmt::format("VF {}: min-rate {} would be above max-rate {}{}", current.index,
                            a.min_rate, a.max_rate,
                            c.max_rate ? "" : " (its current max-rate; set max-rate too)"));
  if (c.spoofchk) a.spoofchk = *c.spoofchk;
  if (c.trust) a.trust = *c.trust;
  if (c.query_rss) a.query_rss = *c.query_rss;
  if (c.link_state) a.link_state = *c.link_state;

  const auto& b = change.before;
  if ((c.mac || c.mac_from) && a.mac != b.mac) change.fields |= kFieldMac;
  if ((c.vlan || c.qos || c.vlan_proto) &&
      (a.vlan != b.vlan || a.qos != b.qos || a.vlan_proto != b.vlan_proto))
    change.fields |= kFieldVlan;
  if ((c.min_rate || c.max_rate) && (a.min_rate != b.min_rate || a.max_rate != b.max_rate))
    change.fields |= kFieldRate;
  if (c.spoofchk && a.spoofchk != b.spoofchk) change.fields |= kFieldSpoofchk;
  if (c.link_state && a.link_state != b.link_state) change.fields |= kFieldLinkState;
  if (c.query_rss && a.query_rss != b.query_rss) change.fields |= kFieldQueryRss;
  if (c.trust && a.trust != b.trust) change.fields |= kFieldTrust;
  return change;
}

std::string field_names(unsigned fields) {
  std::vector<std::string> names;
  if (fields & kFieldMac) names.push_back("mac");
  if (fields & kFieldVlan) names.push_back("vlan");
  if (fields & kFieldRate) names.push_back("rate");
  if (fields & kFieldSpoofchk) names.push_back("spoofchk");
  if (fields & kFieldLinkState) names.push_back("link-state");
  if (fields & kFieldQueryRss) names.push_back("query-rss");
  if (fields & kFieldTrust) names.push_back("trust");
  return fmt::format("{}", fmt::join(names, ", "));
}

unsigned config_fields(const VfConfig& c) {
  unsigned f = 0;
  if (c.mac || c.mac_from) f |= kFieldMac;
  if (c.vlan || c.qos || c.vlan_proto) f |= kFieldVlan;
  if (c.min_rate || c.max_rate) f |= kFieldRate;
  if (c.spoofchk) f |= kFieldSpoofchk;
  if (c.link_state) f |= kFieldLinkState;
  if (c.query_rss) f |= kFieldQueryRss;
  if (c.trust) f |= kFieldTrust;
  return f;
}

std::string describe_config(const VfConfig& c, unsigned mac_offset) {
  std::vector<std::string> parts;
  auto flag = [](bool v) { return v ? "on" : "off"; };
  if (c.mac) parts.push_back("mac=" + c.mac->str());
  if (c.mac_from) {
    auto m = c.mac_from->plus(mac_offset);
    parts.push_back("mac=" + (m ? m->str() : std::string("?")));
  }
  if (c.vlan) parts.push_back(fmt::format("vlan={}", *c.vlan));
  if (c.qos) parts.push_back(fmt::format("qos={}", *c.qos));
  if (c.vlan_proto) parts.push_back(fmt::format("vlan-proto={}", name(*c.vlan_proto)));
  if (c.min_rate) parts.push_back(fmt::format("min-rate={}", *c.min_rate));
  if (c.max_rate) parts.push_back(fmt::format("max-rate={}", *c.max_rate));
  if (c.spoofchk) parts.push_back(fmt::format("spoofchk={}", flag(*c.spoofchk)));
  if (c.trust) parts.push_back(fmt::format("trust={}", flag(*c.trust)));
  if (c.link_state) parts.push_back(fmt::format("link-state={}", name(*c.link_state)));
  if (c.query_rss) parts.push_back(fmt::format("query-rss={}", flag(*c.query_rss)));
  return fmt::format("{}", fmt::join(parts, " "));
}

std::vector<FieldChange> field_changes(const VfChange& ch) {
  std::vector<FieldChange> out;
  const auto &b = ch.before, &a = ch.after;
  auto add = [&](const char* key, std::string from, std::string to) {
    if (from != to) out.push_back({key, std::move(from), std::move(to)});
  };
  if (ch.fields & kFieldMac) add("mac", b.mac.str(), a.mac.str());
  if (ch.fields & kFieldVlan) {
    add("vlan", std::to_string(b.vlan), std::to_string(a.vlan));
    add("qos", std::to_string(b.qos), std::to_string(a.qos));
    add("vlan-proto", std::string(name(b.vlan_proto)), std::string(name(a.vlan_proto)));
  }
  if (ch.fields & kFieldRate) {
    add("min-rate", std::to_string(b.min_rate), std::to_string(a.min_rate));
    add("max-rate", std::to_string(b.max_rate), std::to_string(a.max_rate));
  }
  if (ch.fields & kFieldSpoofchk) add("spoofchk", on_off(b.spoofchk), on_off(a.spoofchk));
  if (ch.fields & kFieldLinkState)
    add("link-state", std::string(name(b.link_state)), std::string(name(a.link_state)));
  if (ch.fields & kFieldQueryRss) add("query-rss", on_off(b.query_rss), on_off(a.query_rss));
  if (ch.fields & kFieldTrust) add("trust", on_off(b.trust), on_off(a.trust));
  return out;
}

std::string describe_change(const VfChange& ch) {
  // Appended by hand, not formatted: plans, journals and reports describe every VF.
  std::string out;
  for (const auto& f : field_changes(ch)) {
    if (!out.empty()) out += ", ";
    out.append(f.key).append(" ").append(f.from).append(" -> ").append(f.to);
  }
  return out;
}

std::vector<std::string> verify(const VfChange& ch, const VfSettings& now) {
  std::vector<std::string> out;
  const auto& want = ch.after;
  auto check = [&](std::string_view key, const std::string& asked, const std::string& reads) {
    if (asked != reads) out.push_back(fmt::format("{} asked {}, reads {}", key, asked, reads));
  };
  // A driver that does not report a flag cannot be verified on it; that is not a mismatch.
  auto check_flag = [&](std::string_view key, const std::optional<bool>& asked,
                        const std::optional<bool>& reads) {
    if (reads) check(key, on_off(asked), on_off(reads));
  };
  if (ch.fields & kFieldMac) check("mac", want.mac.str(), now.mac.str());
  if (ch.fields & kFieldVlan) {
    check("vlan", std::to_string(want.vlan), std::to_string(now.vlan));
    check("qos", std::to_string(want.qos), std::to_string(now.qos));
    check("vlan-proto", std::string(name(want.vlan_proto)), std::string(name(now.vlan_proto)));
  }
  if (ch.fields & kFieldRate) {
    check("min-rate", std::to_string(want.min_rate), std::to_string(now.min_rate));
    check("max-rate", std::to_string(want.max_rate), std::to_string(now.max_rate));
  }
  if (ch.fields & kFieldSpoofchk) check_flag("spoofchk", want.spoofchk, now.spoofchk);
  if (ch.fields & kFieldLinkState)
    check("link-state", std::string(name(want.link_state)), std::string(name(now.link_state)));
  if (ch.fields & kFieldQueryRss) check_flag("query-rss", want.query_rss, now.query_rss);
  if (ch.fields & kFieldTrust) check_flag("trust", want.trust, now.trust);
  return out;
}

}  // namespace sriov
