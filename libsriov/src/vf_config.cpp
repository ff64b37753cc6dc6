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
  if (value == "on" || value == "true") return true;
  if (value == "off" || value == "false") return false;
  return fail(Errc::invalid_input,
              fmt::format("{}={}: expected on or off", key, escape(value, true)));
}

constexpr const char* kKeyList =
    "mac-address, mac-from, vlan-id, qos, vlan-proto, min-tx-rate, max-tx-rate, spoof-check, "
    "trust, link-state, query-rss";

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

const std::vector<std::string_view>& vf_setting_keys() {
  static const std::vector<std::string_view> keys = {
      vf_key::mac,      vf_key::mac_from, vf_key::vlan,  vf_key::qos,        vf_key::vlan_proto,
      vf_key::min_rate, vf_key::max_rate, vf_key::spoofchk, vf_key::trust, vf_key::link_state,
      vf_key::query_rss};
  return keys;
}

std::optional<std::string_view> canonical_vf_key(std::string_view spelling) {
  std::string k(spelling);
  for (auto& c : k)
    if (c == '_') c = '-';
  static const std::pair<const char*, const char*> aliases[] = {
      {"mac", vf_key::mac},           {"vlan", vf_key::vlan},         {"proto", vf_key::vlan_proto},
      {"min-rate", vf_key::min_rate}, {"max-rate", vf_key::max_rate}, {"rate", vf_key::max_rate},
      {"spoofchk", vf_key::spoofchk}, {"state", vf_key::link_state}};
  for (const auto& [alias, key] : aliases)
    if (k == alias) return key;
  for (auto key : vf_setting_keys())
    if (k == key) return key;
  return std::nullopt;
}

std::string json_key(std::string_view key) {
  std::string out(key);
  for (auto& c : out)
    if (c == '-') c = '_';
  return out;
}

bool VfConfig::empty() const {
  return !mac && !mac_from && !vlan && !qos && !vlan_proto && !min_rate && !max_rate &&
         !spoofchk && !trust && !query_rss && !link_state;
}

Status parse_vf_setting(std::string_view text, VfConfig& c) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    return fail(Errc::invalid_input,
                fmt::format("'{}': expected KEY=VALUE, e.g. vlan-id=100 (keys: {})",
                            escape(text, true), kKeyList));
  auto key = text.substr(0, eq);  // as written, for messages
  auto value = text.substr(eq + 1);
  auto canonical = canonical_vf_key(key);
  if (!canonical)
    return fail(Errc::invalid_input,
                fmt::format("unknown setting '{}' (keys: {}; iproute2's names such as vlan, "
                            "spoofchk and max_tx_rate are accepted too)",
                            escape(key, true), kKeyList));
  std::string_view k = *canonical;
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
  if (k == vf_key::mac) return mac(c.mac);
  if (k == vf_key::mac_from) return mac(c.mac_from);
  if (k == vf_key::vlan) return assign(c.vlan, parse_number(key, value, 4095, "VLAN ID 0-4095"));
  if (k == vf_key::qos) return assign(c.qos, parse_number(key, value, 7, "802.1p priority 0-7"));
  if (k == vf_key::min_rate)
    return assign(c.min_rate, parse_number(key, value, 0xffffffffu, "Mbit/s"));
  if (k == vf_key::max_rate)
    return assign(c.max_rate, parse_number(key, value, 0xffffffffu, "Mbit/s, 0 = unlimited"));
  if (k == vf_key::spoofchk) return assign(c.spoofchk, parse_on_off(key, value));
  if (k == vf_key::trust) return assign(c.trust, parse_on_off(key, value));
  if (k == vf_key::query_rss) return assign(c.query_rss, parse_on_off(key, value));
  if (k == vf_key::vlan_proto) {
    auto v = lower(value);
    if (v == "802.1q") c.vlan_proto = VlanProto::dot1q;
    else if (v == "802.1ad") c.vlan_proto = VlanProto::dot1ad;
    else return fail(Errc::invalid_input, fmt::format("{}={}: expected 802.1Q or 802.1ad", key,
                                                      escape(value, true)));
    return {};
  }
  // link-state
  if (value == "auto") c.link_state = LinkState::automatic;
  else if (value == "enable") c.link_state = LinkState::enable;
  else if (value == "disable") c.link_state = LinkState::disable;
  else return fail(Errc::invalid_input, fmt::format("{}={}: expected auto, enable or disable",
                                                    key, escape(value, true)));
  return {};
}

Status validate(const VfConfig& c, const std::string& who) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::invalid_input, fmt::format("{}: {}", who, why));
  };
  if (c.mac && c.mac_from) return bad("give mac-address or mac-from, not both");
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
  if (c.vlan && *c.vlan > 4095) return bad(fmt::format("vlan-id {} is above 4095", *c.vlan));
  if (c.qos && *c.qos > 7) return bad(fmt::format("qos {} is above 7", *c.qos));
  if (c.min_rate && c.max_rate && *c.max_rate != 0 && *c.min_rate > *c.max_rate)
    return bad(fmt::format("min-tx-rate {} is above max-tx-rate {}", *c.min_rate, *c.max_rate));
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
                fmt::format("VF {}: min-tx-rate {} would be above max-tx-rate {}{}",
                            current.index, a.min_rate, a.max_rate,
                            c.max_rate ? "" : " (its current max-tx-rate; set max-tx-rate too)"));
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
  // The groups the kernel sets together are named together.
  if (fields & kFieldMac) names.push_back(vf_key::mac);
  if (fields & kFieldVlan) names.push_back("vlan-id/qos/vlan-proto");
  if (fields & kFieldRate) names.push_back("min/max-tx-rate");
  if (fields & kFieldSpoofchk) names.push_back(vf_key::spoofchk);
  if (fields & kFieldLinkState) names.push_back(vf_key::link_state);
  if (fields & kFieldQueryRss) names.push_back(vf_key::query_rss);
  if (fields & kFieldTrust) names.push_back(vf_key::trust);
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
  auto part = [&](const char* key, const auto& value) {
    parts.push_back(fmt::format("{}={}", key, value));
  };
  auto flag = [](bool v) { return v ? "on" : "off"; };
  if (c.mac) part(vf_key::mac, c.mac->str());
  if (c.mac_from) {
    auto m = c.mac_from->plus(mac_offset);
    part(vf_key::mac, m ? m->str() : std::string("?"));
  }
  if (c.vlan) part(vf_key::vlan, *c.vlan);
  if (c.qos) part(vf_key::qos, *c.qos);
  if (c.vlan_proto) part(vf_key::vlan_proto, name(*c.vlan_proto));
  if (c.min_rate) part(vf_key::min_rate, *c.min_rate);
  if (c.max_rate) part(vf_key::max_rate, *c.max_rate);
  if (c.spoofchk) part(vf_key::spoofchk, flag(*c.spoofchk));
  if (c.trust) part(vf_key::trust, flag(*c.trust));
  if (c.link_state) part(vf_key::link_state, name(*c.link_state));
  if (c.query_rss) part(vf_key::query_rss, flag(*c.query_rss));
  return fmt::format("{}", fmt::join(parts, " "));
}

std::vector<FieldChange> field_changes(const VfChange& ch) {
  std::vector<FieldChange> out;
  const auto &b = ch.before, &a = ch.after;
  auto add = [&](const char* key, std::string from, std::string to) {
    if (from != to) out.push_back({key, std::move(from), std::move(to)});
  };
  if (ch.fields & kFieldMac) add(vf_key::mac, b.mac.str(), a.mac.str());
  if (ch.fields & kFieldVlan) {
    add(vf_key::vlan, std::to_string(b.vlan), std::to_string(a.vlan));
    add(vf_key::qos, std::to_string(b.qos), std::to_string(a.qos));
    add(vf_key::vlan_proto, std::string(name(b.vlan_proto)), std::string(name(a.vlan_proto)));
  }
  if (ch.fields & kFieldRate) {
    add(vf_key::min_rate, std::to_string(b.min_rate), std::to_string(a.min_rate));
    add(vf_key::max_rate, std::to_string(b.max_rate), std::to_string(a.max_rate));
  }
  if (ch.fields & kFieldSpoofchk) add(vf_key::spoofchk, on_off(b.spoofchk), on_off(a.spoofchk));
  if (ch.fields & kFieldLinkState)
    add(vf_key::link_state, std::string(name(b.link_state)), std::string(name(a.link_state)));
  if (ch.fields & kFieldQueryRss) add(vf_key::query_rss, on_off(b.query_rss), on_off(a.query_rss));
  if (ch.fields & kFieldTrust) add(vf_key::trust, on_off(b.trust), on_off(a.trust));
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
  if (ch.fields & kFieldMac) check(vf_key::mac, want.mac.str(), now.mac.str());
  if (ch.fields & kFieldVlan) {
    check(vf_key::vlan, std::to_string(want.vlan), std::to_string(now.vlan));
    check(vf_key::qos, std::to_string(want.qos), std::to_string(now.qos));
    check(vf_key::vlan_proto, std::string(name(want.vlan_proto)), std::string(name(now.vlan_proto)));
  }
  if (ch.fields & kFieldRate) {
    check(vf_key::min_rate, std::to_string(want.min_rate), std::to_string(now.min_rate));
    check(vf_key::max_rate, std::to_string(want.max_rate), std::to_string(now.max_rate));
  }
  if (ch.fields & kFieldSpoofchk) check_flag(vf_key::spoofchk, want.spoofchk, now.spoofchk);
  if (ch.fields & kFieldLinkState)
    check(vf_key::link_state, std::string(name(want.link_state)), std::string(name(now.link_state)));
  if (ch.fields & kFieldQueryRss) check_flag(vf_key::query_rss, want.query_rss, now.query_rss);
  if (ch.fields & kFieldTrust) check_flag(vf_key::trust, want.trust, now.trust);
  return out;
}

}  // namespace sriov
