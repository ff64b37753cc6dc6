// Strict YAML parsing of profiles: unknown keys, wrong types and bad values are errors at
// their file:line:col, and parsing goes on to report every problem of the file at once.
#include "mdev/profile_file.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "mdev/publish.hpp"
#include "mdev/size.hpp"
#include "mdev/uuid.hpp"
#include "sriov/sysfs.hpp"
#include "sriov/text.hpp"
#include "sriov/vf_spec.hpp"
#include "text.hpp"

namespace mdev {

using sriov::Errc;
using sriov::Error;
using sriov::fail;
using sriov::NicEntry;
using sriov::Result;
using sriov::SourcePos;
using sriov::Status;
using sriov::VfConfig;
using sriov::VfEntry;
using mdev::parse_size;
using sriov::parse_vf_ranges;
using sriov::parse_vf_setting;
using mdev::Uuid;

namespace {

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  SourcePos at(const YAML::Node& node) const {
    auto m = node.Mark();
    return {file_, m.line + 1, m.column + 1};
  }
  void error(const YAML::Node& node, const std::string& message) {
    problems.push_back(at(node).str() + ": " + message);
  }

  // Keys of a mapping other than the allowed ones are errors.
  bool check_map(const YAML::Node& node, const std::string& what,
                 const std::set<std::string>& allowed) {
    if (!node.IsMap()) {
      error(node, fmt::format("{} must be a mapping", what));
      return false;
    }
    // yaml-cpp keeps both copies of a repeated key and lookups see the first: a later
    // "vlan-id" meant as an override would be ignored silently.
    std::map<std::string, SourcePos> seen;
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) {
        error(kv.first, fmt::format("a key in {} must be a plain name", what));
        continue;
      }
      auto key = kv.first.Scalar();
      if (auto [it, fresh] = seen.emplace(key, at(kv.first)); !fresh)
        error(kv.first, fmt::format("key '{}' is given twice in {} (also at {})", key, what,
                                    it->second.str()));
      if (!allowed.count(key))
        error(kv.first, fmt::format("unknown key '{}' in {} (allowed: {})", key, what,
                                    fmt::join(allowed, ", ")));
    }
    return true;
  }

  std::optional<std::string> scalar(const YAML::Node& node, const std::string& key) {
    if (!node.IsScalar()) {
      error(node, fmt::format("{} must be a single value", key));
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<unsigned> number(const YAML::Node& node, const std::string& key, uint64_t max) {
    auto text = scalar(node, key);
    if (!text) return std::nullopt;
    auto n = sriov::parse_decimal(*text, max);
    if (!n) {
      error(node, fmt::format("{}: {}", key, sriov::decimal_problem(*text, 0, max)));
      return std::nullopt;
    }
    return static_cast<unsigned>(*n);
  }

  std::optional<bool> boolean(const YAML::Node& node, const std::string& key) {
    auto text = scalar(node, key);
    if (!text) return std::nullopt;
    if (*text == "true") return true;
    if (*text == "false") return false;
    error(node, fmt::format("{}: '{}' is not true or false", key, *text));
    return std::nullopt;
  }

  std::optional<uint16_t> hex_id(const YAML::Node& node, const std::string& key) {
    auto text = scalar(node, key);
    if (!text) return std::nullopt;
    std::string_view t = *text;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t.remove_prefix(2);
    auto n = t.size() == 4 ? sriov::parse_unsigned(t, 16) : std::nullopt;
    if (!n) {
      error(node, fmt::format("{}: '{}' is not a 4-digit hex PCI id such as \"8086\"", key, *text));
      return std::nullopt;
    }
    return static_cast<uint16_t>(*n);
  }

  // A VF setting: the profile's keys are the keys parse_vf_setting takes (one vocabulary);
  // flags are YAML booleans here, plain true or false.
  void setting(const YAML::Node& value, std::string_view key, VfConfig& config) {
    auto text = scalar(value, std::string(key));
    if (!text) return;
    bool flag = key == sriov::vf_key::spoofchk || key == sriov::vf_key::trust ||
                key == sriov::vf_key::query_rss;
    if (flag && !(value.Tag() == "?" && (*text == "true" || *text == "false"))) {
      error(value, fmt::format("{}: '{}' is not true or false", key, *text));
      return;
    }
    if (auto ok = parse_vf_setting(fmt::format("{}={}", key, *text), config); !ok)
      error(value, ok.error().message);
  }

  std::optional<VfEntry> vf_entry(const YAML::Node& node, unsigned num_vfs) {
    static const std::set<std::string> keys = [] {
      std::set<std::string> k = {"id", "driver"};
      for (auto key : sriov::vf_setting_keys()) k.emplace(key);
      return k;
    }();
    if (!check_map(node, "a vfs entry", keys)) return std::nullopt;
    VfEntry e;
    e.pos = at(node);
    // A bad id does not end the entry: its settings are checked too, so that one run reports
    // every problem.
    size_t before = problems.size();
    std::optional<std::string> ids_text;
    if (!node["id"]) {
      error(node, "vfs entry without 'id' (an index or ranges such as \"0-3,6\")");
    } else if ((ids_text = scalar(node["id"], "id"))) {
      if (auto ids = parse_vf_ranges(*ids_text)) e.ids = *ids;
      else error(node["id"], "id: " + ids.error().message);
    }
    if (!e.ids.empty() && e.ids.back() >= num_vfs)
      error(node["id"], fmt::format("id: VF {} is past num-vfs {} (VFs are 0-{})", e.ids.back(),
                                    num_vfs, num_vfs == 0 ? 0 : num_vfs - 1));
    for (auto key : sriov::vf_setting_keys())
      if (std::string k(key); node[k]) setting(node[k], key, e.config);
    if (e.config.mac && e.ids.size() > 1)
      error(node["mac-address"], fmt::format("mac-address gives {} VFs the same address; use "
                                             "mac-from for a range",
                                             e.ids.size()));
    if (e.config.mac && e.config.mac_from)
      error(node["mac-from"], "give mac-address or mac-from, not both");
    if (auto ok = validate(e.config, "vfs " + ids_text.value_or("?")); !ok)
      error(node, ok.error().message);
    if (node["driver"]) {
      e.driver = scalar(node["driver"], "driver");
      e.driver_pos = at(node["driver"]);
    }
    if (e.ids.empty() && problems.size() > before) return std::nullopt;
    return e;
  }

  void nic(const YAML::Node& node, Profile& profile) {
    static const std::set<std::string> keys = {"pf", "match", "num-vfs", "drivers-autoprobe",
                                               "vfs", "publish"};
    if (!check_map(node, "a nics entry", keys)) return;
    NicEntry n;
    n.pos = at(node);
    if (node["pf"] && node["match"]) error(node["match"], "give pf or match, not both");
    if (node["pf"]) {
      n.select.pf = scalar(node["pf"], "pf");
    } else if (node["match"]) {
      const auto& m = node["match"];
      if (check_map(m, "match", {"vendor-id", "device-id", "driver"})) {
        if (m["vendor-id"]) n.select.vendor_id = hex_id(m["vendor-id"], "vendor-id");
        if (m["device-id"]) n.select.device_id = hex_id(m["device-id"], "device-id");
        if (m["driver"]) n.select.driver = scalar(m["driver"], "driver");
        if (m.size() == 0) error(m, "match needs at least one of vendor-id, device-id, driver");
      }
    } else {
      error(node, "nics entry needs pf (netdev name or PCI address) or match");
    }
    if (!node["num-vfs"]) {
      error(node, "nics entry without num-vfs");
    } else if (auto v = number(node["num-vfs"], "num-vfs", 65535)) {
      n.num_vfs = *v;
    }
    n.num_vfs_pos = node["num-vfs"] ? at(node["num-vfs"]) : n.pos;
    if (node["drivers-autoprobe"])
      n.drivers_autoprobe = boolean(node["drivers-autoprobe"], "drivers-autoprobe");
    if (node["vfs"]) {
      if (!node["vfs"].IsSequence()) {
        error(node["vfs"], "vfs must be a list of entries");
      } else {
        for (const auto& v : node["vfs"])
          if (auto e = vf_entry(v, n.num_vfs)) n.vfs.push_back(std::move(*e));
      }
    }
    // One VF in two entries would get two configurations: refuse.
    std::map<unsigned, const VfEntry*> seen;
    for (const auto& e : n.vfs)
      for (unsigned id : e.ids) {
        auto [it, fresh] = seen.emplace(id, &e);
        if (!fresh)
          problems.push_back(fmt::format("{}: VF {} is also configured by the entry at {}",
                                         e.pos.str(), id, it->second->pos.str()));
      }
    profile.nic_pools.push_back(node["publish"] ? pool_spec(node["publish"], true) : std::nullopt);
    profile.nics.push_back(std::move(n));
  }

  // publish: {pool, physical-network, trusted} on a nics entry, {pool} on a gpus entry.
  std::optional<PoolSpec> pool_spec(const YAML::Node& node, bool nic) {
    static const std::set<std::string> nic_keys = {"pool", "physical-network", "trusted"};
    if (!check_map(node, "publish", nic ? nic_keys : std::set<std::string>{"pool"}))
      return std::nullopt;
    PoolSpec p;
    p.pos = at(node);
    auto name = node["pool"] ? scalar(node["pool"], "pool") : std::nullopt;
    if (!node["pool"]) error(node, "publish needs pool: the name its devices are published under");
    if (!name) return std::nullopt;
    if (!mdev::publish::valid_pool_name(*name)) {
      error(node["pool"], fmt::format("pool: '{}' is not 1 to 63 of A-Z a-z 0-9 _ - (a name "
                                      "every consumer accepts)",
                                      sriov::escape(*name, true)));
      return std::nullopt;
    }
    p.name = *name;
    if (node["physical-network"]) {
      auto net = scalar(node["physical-network"], "physical-network");
      if (net && mdev::publish::valid_pool_name(*net)) p.physical_network = *net;
      else if (net)
        error(node["physical-network"],
              fmt::format("physical-network: '{}' is not 1 to 63 of A-Z a-z 0-9 _ -",
                          sriov::escape(*net, true)));
    }
    if (node["trusted"]) p.trusted = boolean(node["trusted"], "trusted");
    return p;
  }

  void publish_targets(const YAML::Node& node, Profile& profile) {
    if (!node.IsSequence()) {
      error(node, "publish must be a list of entries: {format, output, domain}");
      return;
    }
    for (const auto& t : node) {
      if (!check_map(t, "a publish entry", {"format", "output", "domain"})) continue;
      PublishTarget target;
      target.pos = at(t);
      auto format = t["format"] ? scalar(t["format"], "format") : std::nullopt;
      if (!t["format"]) error(t, "publish entry without format");
      if (!format) continue;
      auto f = mdev::publish::parse_format(*format);
      if (!f) {
        error(t["format"], fmt::format("format: '{}' is not libvirt, cdi, device-plugin, dra, "
                                       "nova, kubevirt or json",
                                       sriov::escape(*format, true)));
        continue;
      }
      target.format = *format;
      if (t["output"]) {
        auto out = scalar(t["output"], "output");
        if (out && !out->empty() && (*out)[0] == '/') target.output = *out;
        else if (out) error(t["output"], "output: give an absolute directory");
      } else if (mdev::publish::default_output(*f) == "-") {
        error(t, fmt::format("publish entry for {} needs output: a directory (it has no default "
                             "one)",
                             *format));
      }
      if (t["domain"])
        if (auto d = scalar(t["domain"], "domain")) {
          if (auto ok = mdev::publish::check_domain(*d); ok) target.domain = *d;
          else error(t["domain"], ok.error().message);
        }
      for (const auto& other : profile.publish)
        if (other.format == target.format)
          error(t, fmt::format("format {} is published twice (also at {})", target.format,
                               other.pos.str()));
      profile.publish.push_back(std::move(target));
    }
  }

  void gpu_selector(const YAML::Node& node, GpuEntry& g) {
    if (node["gpu"] && node["match"]) error(node["match"], "give gpu or match, not both");
    if (node["gpu"]) {
      g.select.gpu = scalar(node["gpu"], "gpu");
      if (g.select.gpu && g.select.gpu->empty()) {
        error(node["gpu"], "gpu must not be empty");
        g.select.gpu.reset();
      }
    } else if (node["match"]) {
      const auto& m = node["match"];
      if (check_map(m, "match", {"vendor-id", "device-id"})) {
        if (m["vendor-id"]) g.select.vendor_id = hex_id(m["vendor-id"], "vendor-id");
        if (m["device-id"]) g.select.device_id = hex_id(m["device-id"], "device-id");
        if (m.size() == 0) error(m, "match needs vendor-id, device-id or both");
      }
    } else {
      error(node, "gpus entry needs gpu (PCI address, or mdev parent name such as mbochs) or "
                  "match");
    }
  }

  void gpu_type(const YAML::Node& node, GpuEntry& g) {
    if (node["type"] && node["framebuffer"]) {
      error(node["framebuffer"], "give type or framebuffer, not both");
    } else if (node["type"]) {
      g.type_pos = at(node["type"]);
      g.type = scalar(node["type"], "type");
      if (g.type && g.type->empty()) error(node["type"], "type must not be empty");
    } else if (node["framebuffer"]) {
      g.type_pos = at(node["framebuffer"]);
      if (auto text = scalar(node["framebuffer"], "framebuffer")) {
        auto size = parse_size(*text);
        if (size) g.framebuffer = *size;
        else error(node["framebuffer"], "framebuffer: " + size.error().message);
      }
    } else {
      error(node, "gpus entry needs type (a vGPU type id or name) or framebuffer (a size such "
                  "as 4G)");
    }
  }

  void gpu_uuids(const YAML::Node& node, GpuEntry& g) {
    g.uuids_pos = at(node);
    if (!node.IsSequence()) {
      error(node, "uuids must be a list of UUIDs");
      return;
    }
    std::map<std::string, SourcePos> seen;
    for (const auto& item : node) {
      auto text = scalar(item, "uuids");
      if (!text) continue;
      auto u = Uuid::parse(*text);
      if (!u) {
        error(item, "uuids: " + u.error().message);
        continue;
      }
      auto [it, fresh] = seen.emplace(u->str(), at(item));
      if (!fresh) {
        error(item, fmt::format("uuids: {} is also given at {}", u->str(), it->second.str()));
        continue;
      }
      g.uuids.push_back({u->str(), at(item)});
    }
  }

  void gpu(const YAML::Node& node, Profile& profile) {
    static const std::set<std::string> keys = {"gpu",   "match", "type",    "framebuffer",
                                               "count", "start", "uuids", "publish"};
    if (!check_map(node, "a gpus entry", keys)) return;
    GpuEntry g;
    g.pos = at(node);
    gpu_selector(node, g);
    gpu_type(node, g);
    if (!node["count"]) {
      error(node, "gpus entry without count (instances per GPU; 0 for none of this type)");
    } else if (auto v = number(node["count"], "count", kMaxGpuCount)) {
      g.count = *v;
    }
    g.count_pos = node["count"] ? at(node["count"]) : g.pos;
    if (node["start"]) {
      g.start_pos = at(node["start"]);
      if (auto text = scalar(node["start"], "start")) {
        if (*text == "auto" || *text == "manual") g.autostart = *text == "auto";
        else error(node["start"], fmt::format("start: '{}' is not auto or manual", *text));
      }
    }
    if (node["uuids"]) {
      gpu_uuids(node["uuids"], g);
      if (g.uuids.size() > g.count && node["count"])
        error(node["uuids"], fmt::format("{} uuids for count {}: at most one per instance",
                                         g.uuids.size(), g.count));
    }
    if (node["publish"]) g.pool = pool_spec(node["publish"], false);
    profile.gpus.push_back(std::move(g));
  }

  void document(const YAML::Node& root, Profile& profile) {
    if (!root.IsDefined() || root.IsNull()) {
      problems.push_back(file_ + ":1:1: empty profile (expected version: 1, and nics: or gpus:)");
      return;
    }
    if (!check_map(root, "the profile", {"version", "nics", "gpus", "publish"})) return;
    if (!root["version"]) error(root, "missing 'version: 1'");
    else if (auto v = scalar(root["version"], "version"); v && *v != "1")
      error(root["version"], fmt::format("version {} is not supported (this sriovctl reads 1)", *v));
    if (root["nics"]) {
      if (!root["nics"].IsSequence()) error(root["nics"], "nics must be a list of entries");
      else for (const auto& n : root["nics"]) nic(n, profile);
    }
    if (root["gpus"]) {
      if (!root["gpus"].IsSequence()) error(root["gpus"], "gpus must be a list of entries");
      else for (const auto& g : root["gpus"]) gpu(g, profile);
    }
    if (root["publish"]) publish_targets(root["publish"], profile);
  }

  std::vector<std::string> problems;

 private:
  std::string file_;
};

// The line where a second YAML document starts, if any: a "---" after content or after another
// "---", or content after a "..." end marker (markers are only markers in column 0).
// yaml-cpp's LoadAll would say this too, but it loops forever on some malformed input
// (tests/fuzz/crashes/profile-loadall-hang.bin).
std::optional<size_t> second_document_line(std::string_view text) {
  bool content = false, started = false, ended = false;
  size_t number = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    auto marker = [&](std::string_view m) {
      return line.substr(0, 3) == m && (line.size() == 3 || line[3] == ' ' || line[3] == '\t' ||
                                        line[3] == '\r');
    };
    auto first = line.find_first_not_of(" \t\r");
    bool blank = first == std::string_view::npos || line[first] == '#';
    if (marker("---")) {
      if (content || started || ended) return number;
      started = true;
      auto rest = line.find_first_not_of(" \t\r", 3);
      if (rest != std::string_view::npos && line[rest] != '#') content = true;  // "--- {a: 1}"
    } else if (marker("...")) {
      ended = true;
    } else if (!blank && line[0] != '%') {
      if (ended) return number;
      content = true;
    }
  }
  return std::nullopt;
}

Status parse_into(const std::string& text, const std::string& file, Profile& profile,
                  std::vector<std::string>& problems) {
  Parser parser(file);
  try {
    // YAML::Load reads the first document and drops the rest without a word.
    if (auto line = second_document_line(text))
      parser.problems.push_back(fmt::format("{}:{}:1: a second YAML document: a profile file "
                                            "holds one; put the entries in one document or in "
                                            "another file",
                                            file, *line));
    parser.document(YAML::Load(text), profile);
  } catch (const YAML::ParserException& e) {
    problems.push_back(fmt::format("{}:{}:{}: YAML syntax: {}", file, e.mark.line + 1,
                                   e.mark.column + 1, e.msg));
    return {};
  } catch (const YAML::Exception& e) {
    problems.push_back(fmt::format("{}: {}", file, e.what()));
    return {};
  }
  problems.insert(problems.end(), parser.problems.begin(), parser.problems.end());
  profile.files.push_back(file);
  return {};
}

// One UUID names one instance: two entries, in one file or two, must not both give it (an
// entry's own duplicates were reported, and dropped, when it was parsed).
void check_uuids_unique(const Profile& profile, std::vector<std::string>& problems) {
  std::map<std::string, SourcePos> seen;
  for (const auto& g : profile.gpus)
    for (const auto& u : g.uuids)
      if (auto [it, fresh] = seen.emplace(u.uuid, u.pos); !fresh)
        problems.push_back(fmt::format("{}: uuids: {} is also given by the entry with {}",
                                       u.pos.str(), u.uuid, it->second.str()));
}

// One pool name is one pool: entries, in one file or several, may share it only for devices of
// one kind and with the same Nova tags.
void check_pools_consistent(const Profile& profile, std::vector<std::string>& problems) {
  std::map<std::string, std::pair<const PoolSpec*, bool>> seen;  // name -> first spec, nic?
  auto check = [&](const PoolSpec& p, bool nic) {
    auto [it, fresh] = seen.emplace(p.name, std::make_pair(&p, nic));
    if (fresh) return;
    const auto& [first, first_nic] = it->second;
    if (first_nic != nic)
      problems.push_back(fmt::format("{}: pool {} is also the pool of a {} entry at {}: a pool "
                                     "holds VFs or vGPUs, not both",
                                     p.pos.str(), p.name, first_nic ? "nics" : "gpus",
                                     first->pos.str()));
    else if (first->physical_network != p.physical_network || first->trusted != p.trusted)
      problems.push_back(fmt::format("{}: pool {} has other physical-network or trusted than at "
                                     "{}",
                                     p.pos.str(), p.name, first->pos.str()));
  };
  for (const auto& p : profile.nic_pools)
    if (p) check(*p, true);
  for (const auto& g : profile.gpus)
    if (g.pool) check(*g.pool, false);
}

}  // namespace

std::string GpuSelector::str() const {
  if (gpu) return *gpu;
  std::vector<std::string> parts;
  if (vendor_id) parts.push_back(fmt::format("vendor-id: {:04x}", *vendor_id));
  if (device_id) parts.push_back(fmt::format("device-id: {:04x}", *device_id));
  return fmt::format("match {{{}}}", fmt::join(parts, ", "));
}




Result<Profile> parse_profile(const std::string& text, const std::string& file) {
  Profile profile;
  std::vector<std::string> problems;
  parse_into(text, file, profile, problems);
  check_uuids_unique(profile, problems);
  check_pools_consistent(profile, problems);
  if (!problems.empty()) return tl::unexpected(sriov::profile_error(problems));
  return profile;
}

namespace {

// The *.yaml and *.yml files of a profile directory, sorted. Every filesystem call takes an
// error_code: a symlink loop or an unreadable entry is a problem of that entry, reported with
// the others, never an exception.
Result<std::vector<std::string>> profile_files(const std::string& path,
                                               std::vector<std::string>& problems) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<std::string> files;
  auto status = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    return fail(Errc::invalid_input, fmt::format("{}: {}", path, ec.message()), path);
  if (!fs::exists(status))
    return fail(Errc::not_found, fmt::format("{}: no such profile file or directory", path), path);
  if (!fs::is_directory(status)) return std::vector<std::string>{path};
  fs::directory_iterator it(path, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    auto ext = it->path().extension();
    if (ext != ".yaml" && ext != ".yml") continue;
    std::error_code entry_ec;
    if (it->is_regular_file(entry_ec)) files.push_back(it->path().string());
    else if (entry_ec) problems.push_back(fmt::format("{}: {}", it->path().string(), entry_ec.message()));
    else problems.push_back(it->path().string() + ": not a regular file (skipped)");
  }
  if (ec) return fail(Errc::invalid_input, fmt::format("{}: {}", path, ec.message()), path);
  std::sort(files.begin(), files.end());
  if (files.empty() && problems.empty())
    return fail(Errc::invalid_input,
                fmt::format("{}: no *.yaml or *.yml profile in this directory", path), path);
  return files;
}

}  // namespace

Result<Profile> load_profile(const std::string& path) { return load_profiles({path}); }

Result<Profile> load_profiles(const std::vector<std::string>& paths,
                              const std::optional<std::string>& stdin_text) {
  Profile profile;
  std::vector<std::string> problems;
  for (const auto& path : paths) {
    if (path == "-") {
      parse_into(stdin_text.value_or(""), kStdinName, profile, problems);
      continue;
    }
    auto files = profile_files(path, problems);
    if (!files) return tl::unexpected(files.error());
    for (const auto& file : *files) {
      // A FIFO, /dev/zero or a directory given as the profile is refused before it is read.
      auto text = sriov::read_regular_file(file, file, sriov::kMaxStateFileBytes);
      if (!text) {
        problems.push_back(text.error().message);
        continue;
      }
      parse_into(*text, file, profile, problems);
    }
  }
  check_uuids_unique(profile, problems);
  check_pools_consistent(profile, problems);
  if (!problems.empty()) return tl::unexpected(sriov::profile_error(problems));
  return profile;
}

}  // namespace mdev
