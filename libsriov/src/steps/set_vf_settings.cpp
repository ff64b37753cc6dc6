// The step kind that sets VF attributes over rtnetlink (MAC, VLAN, rates, flags, link state).
#include "sriov/steps/set_vf_settings.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <iterator>

#include "sriov/link_backend.hpp"
#include "sriov/json_text.hpp"
#include "sriov/step_codec.hpp"
#include "sriov/vf_spec.hpp"

namespace sriov {
namespace {

using nlohmann::json;

// VF settings are written as text with fmt, not built as nlohmann objects: a journal can hold
// thousands of VFs, and building them took 100 k instructions per VF (50 M for one 256-VF
// `sriovctl set`, most of its time in the emulated guest). The reader is nlohmann's parser.
const char* opt_text(const std::optional<bool>& v) { return v ? (*v ? "true" : "false") : "null"; }
void append_settings(std::string& out, const VfSettings& s) {
  fmt::format_to(std::back_inserter(out),
                 FMT_COMPILE(R"({{"mac":"{}","vlan":{},"qos":{},"proto":{},"min":{},"max":{},)"
                 R"("spoofchk":{},"trust":{},"query_rss":{},"link":{}}})"),
                 s.mac.str(), s.vlan, s.qos, s.vlan_proto == VlanProto::dot1ad, s.min_rate,
                 s.max_rate, opt_text(s.spoofchk), opt_text(s.trust), opt_text(s.query_rss),
                 static_cast<int>(s.link_state));
}
VfSettings settings_from(const json& j) {
  VfSettings s;
  s.mac = MacAddress::parse(j.at("mac").get<std::string>()).value_or(MacAddress{});
  s.vlan = j.at("vlan");
  s.qos = j.at("qos");
  s.vlan_proto = j.at("proto").get<bool>() ? VlanProto::dot1ad : VlanProto::dot1q;
  s.min_rate = j.at("min");
  s.max_rate = j.at("max");
  s.spoofchk = json_get_opt<bool>(j, "spoofchk");
  s.trust = json_get_opt<bool>(j, "trust");
  s.query_rss = json_get_opt<bool>(j, "query_rss");
  s.link_state = static_cast<LinkState>(j.at("link").get<int>());
  return s;
}

json config_json(const VfConfig& c) {
  json j = json::object();
  if (c.mac) j["mac"] = c.mac->str();
  if (c.mac_from) j["mac_from"] = c.mac_from->str();
  if (c.vlan) j["vlan"] = *c.vlan;
  if (c.qos) j["qos"] = *c.qos;
  if (c.vlan_proto) j["proto"] = *c.vlan_proto == VlanProto::dot1ad;
  if (c.min_rate) j["min"] = *c.min_rate;
  if (c.max_rate) j["max"] = *c.max_rate;
  if (c.spoofchk) j["spoofchk"] = *c.spoofchk;
  if (c.trust) j["trust"] = *c.trust;
  if (c.query_rss) j["query_rss"] = *c.query_rss;
  if (c.link_state) j["link"] = static_cast<int>(*c.link_state);
  return j;
}
VfConfig config_from(const json& j) {
  VfConfig c;
  if (j.contains("mac")) c.mac = MacAddress::parse(j["mac"].get<std::string>()).value_or(MacAddress{});
  if (j.contains("mac_from"))
    c.mac_from = MacAddress::parse(j["mac_from"].get<std::string>()).value_or(MacAddress{});
  c.vlan = json_get_opt<unsigned>(j, "vlan");
  c.qos = json_get_opt<unsigned>(j, "qos");
  if (j.contains("proto")) c.vlan_proto = j["proto"].get<bool>() ? VlanProto::dot1ad : VlanProto::dot1q;
  c.min_rate = json_get_opt<unsigned>(j, "min");
  c.max_rate = json_get_opt<unsigned>(j, "max");
  c.spoofchk = json_get_opt<bool>(j, "spoofchk");
  c.trust = json_get_opt<bool>(j, "trust");
  c.query_rss = json_get_opt<bool>(j, "query_rss");
  if (j.contains("link")) c.link_state = static_cast<LinkState>(j["link"].get<int>());
  return c;
}

ApplyOptions link_context(const SetVfSettings& v) { return {v.pf, v.driver}; }

}  // namespace

std::string StepKind<SetVfSettings>::action(const SetVfSettings&) { return "set-vf"; }
std::string StepKind<SetVfSettings>::target(const SetVfSettings& v) { return v.pf; }
std::string StepKind<SetVfSettings>::group(const SetVfSettings& v) { return v.pf; }

std::string StepKind<SetVfSettings>::describe(const SetVfSettings& v) {
  unsigned fields = 0;
  std::vector<unsigned> indexes;
  for (const auto& c : v.changes) {
    fields |= c.fields;
    indexes.push_back(c.index);
  }
  if (v.changes.empty()) {
    for (const auto& d : v.deferred) {
      fields |= config_fields(d.config);
      indexes.push_back(d.index);
    }
  }
  return fmt::format("set {} of VF{} {} of {}", field_names(fields),
                     indexes.size() == 1 ? "" : "s", format_vf_ranges(indexes), v.pf);
}

std::string StepKind<SetVfSettings>::disruption(const SetVfSettings& v) {
  for (const auto& c : v.changes)
    if (c.fields & kFieldMac) return "a MAC change resets the VF on some drivers (i40e, ice)";
  return {};
}

// One entry per VF change, under the RTM_SETLINK message that carries it (chunk_changes is
// the 64 KiB rule apply_vf_changes sends by).
std::vector<Write> StepKind<SetVfSettings>::writes(const SetVfSettings& v) {
  std::vector<Write> w;
  if (v.changes.empty())
    for (const auto& d : v.deferred)
      w.push_back({fmt::format("rtnetlink RTM_SETLINK {} (what differs when the VF exists)",
                               v.ifname),
                   fmt::format("VF {}: {}", d.index, describe_config(d.config, d.mac_offset))});
  auto chunks = chunk_changes(v.changes);
  for (size_t i = 0; i < chunks.size(); ++i) {
    auto message =
        fmt::format("rtnetlink RTM_SETLINK {} (message {} of {})", v.ifname, i + 1, chunks.size());
    for (const auto& c : chunks[i])
      w.push_back({message, "VF " + std::to_string(c.index) + ": " + describe_change(c)});
  }
  return w;
}

// A VF that does not exist yet (or whose settings were not read) differs in all it should get.
std::vector<Difference> StepKind<SetVfSettings>::drift(const SetVfSettings& v) {
  std::vector<Difference> out;
  auto vf = [&](unsigned index) { return fmt::format("{} VF {}", v.pf, index); };
  for (const auto& c : v.changes)
    for (auto& f : field_changes(c)) out.push_back({vf(c.index), f.key, f.to, f.from});
  if (v.changes.empty())
    for (const auto& d : v.deferred)
      out.push_back({vf(d.index), "settings", describe_config(d.config, d.mac_offset),
                     "(not read)"});
  return out;
}

Status StepKind<SetVfSettings>::check(const SetVfSettings&, StepContext&) { return {}; }

Status StepKind<SetVfSettings>::apply(SetVfSettings& v, StepContext& ctx) {
  auto l = ctx.link();
  if (!l) return tl::unexpected(l.error());
  if (!v.deferred.empty() && v.changes.empty()) {
    auto dump = (*l)->read(v.ifname);
    if (!dump) return tl::unexpected(dump.error());
    for (const auto& d : v.deferred) {
      if (d.index >= dump->vfs.size())
        return fail(Errc::kernel, fmt::format("{}: VF {} does not exist ({} has {} VFs)", v.pf,
                                              d.index, v.ifname, dump->vfs.size()));
      auto change = diff(dump->vfs[d.index], d.config, d.mac_offset);
      if (!change) return tl::unexpected(change.error());
      if (change->fields) v.changes.push_back(*change);
    }
  }
  return apply_vf_changes(**l, v.ifname, v.changes, link_context(v));
}

Status StepKind<SetVfSettings>::undo(const SetVfSettings& v, StepContext& ctx) {
  auto l = ctx.link();
  if (!l) return tl::unexpected(l.error());
  std::vector<VfChange> back;
  for (const auto& c : v.changes) back.push_back({c.index, c.after, c.before, c.fields});
  return apply_vf_changes(**l, v.ifname, back, link_context(v));
}

void StepKind<SetVfSettings>::encode(const SetVfSettings& v, std::string& out) {
  json deferred = json::array();
  for (const auto& d : v.deferred)
    deferred.push_back(
        {{"index", d.index}, {"mac_offset", d.mac_offset}, {"config", config_json(d.config)}});
  out += dump_utf8(json{{"type", type}, {"pf", v.pf}, {"ifname", v.ifname}, {"driver", v.driver},
              {"deferred", deferred}});
  out.pop_back();  // the closing brace: "changes" follows, written with fmt
  out += R"(,"changes":[)";
  for (size_t i = 0; i < v.changes.size(); ++i) {
    const auto& c = v.changes[i];
    fmt::format_to(std::back_inserter(out), FMT_COMPILE(R"({}{{"index":{},"fields":{},"before":)"),
                   i ? ",\n" : "\n", c.index, c.fields);
    append_settings(out, c.before);
    out += R"(,"after":)";
    append_settings(out, c.after);
    out += '}';
  }
  out += "]}";
}

template <>
Result<SetVfSettings> decode_record<SetVfSettings>(const nlohmann::json& j) {
  SetVfSettings v{j.at("pf"), j.at("ifname"), j.at("driver"), {}, {}};
  for (const auto& c : j.at("changes"))
    v.changes.push_back({c.at("index"), settings_from(c.at("before")), settings_from(c.at("after")),
                         c.at("fields")});
  for (const auto& d : j.at("deferred"))
    v.deferred.push_back({d.at("index"), config_from(d.at("config")), d.at("mac_offset")});
  return v;
}

}  // namespace sriov
