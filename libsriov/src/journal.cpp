#include "sriov/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/compile.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iterator>
#include <sstream>

#include "sriov/host_lock.hpp"

namespace sriov {
namespace {

using nlohmann::json;

const std::string kJournal = std::string(kRunDir) + "/journal.json";

template <class T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}
template <class T>
std::optional<T> get_opt(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return j[key].get<T>();
}

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
  s.spoofchk = get_opt<bool>(j, "spoofchk");
  s.trust = get_opt<bool>(j, "trust");
  s.query_rss = get_opt<bool>(j, "query_rss");
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
  c.vlan = get_opt<unsigned>(j, "vlan");
  c.qos = get_opt<unsigned>(j, "qos");
  if (j.contains("proto")) c.vlan_proto = j["proto"].get<bool>() ? VlanProto::dot1ad : VlanProto::dot1q;
  c.min_rate = get_opt<unsigned>(j, "min");
  c.max_rate = get_opt<unsigned>(j, "max");
  c.spoofchk = get_opt<bool>(j, "spoofchk");
  c.trust = get_opt<bool>(j, "trust");
  c.query_rss = get_opt<bool>(j, "query_rss");
  if (j.contains("link")) c.link_state = static_cast<LinkState>(j["link"].get<int>());
  return c;
}

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

json step_json(const Step& step) {
  return std::visit(
      overloaded{
          [](const SetAutoprobe& s) -> json {
            return {{"type", "set-autoprobe"}, {"pf", s.pf}, {"pf_path", s.pf_path},
                    {"from", s.from}, {"to", s.to}};
          },
          [](const SetNumVfs& s) -> json {
            json prior = json::array();
            for (const auto& p : s.prior)
              prior.push_back({{"driver", opt(p.driver)}, {"override", opt(p.driver_override)}});
            return {{"type", "set-numvfs"}, {"pf", s.pf}, {"pf_path", s.pf_path},
                    {"from", s.from}, {"to", s.to}, {"vfio_bound", s.vfio_bound},
                    {"wait_netdevs", s.wait_netdevs}, {"prior", prior},
                    {"vfio_driver", s.vfio_driver}};
          },
          [](const BindDriver& b) -> json {
            return {{"type", "bind"}, {"pf", b.pf}, {"vf_index", b.vf_index}, {"vf", b.vf.str()},
                    {"from", opt(b.from)}, {"from_override", opt(b.from_override)},
                    {"to", opt(b.to)}};
          },
          [](const CreateMdev& m) -> json {
            return {{"type", "create-mdev"}, {"parent", m.parent}, {"type_id", m.type_id},
                    {"type_path", m.type_path}, {"uuid", m.uuid}};
          },
          [](const RemoveMdev& m) -> json {
            return {{"type", "remove-mdev"}, {"parent", m.parent}, {"type_id", m.type_id},
                    {"type_path", m.type_path}, {"uuid", m.uuid}};
          },
          [](const SetVgpuType& v) -> json {
            return {{"type", "set-vgpu-type"}, {"vf", v.vf}, {"vf_path", v.vf_path},
                    {"from", v.from}, {"to", v.to}, {"to_name", v.to_name}};
          },
          [](const WriteConfigFile& w) -> json {
            return {{"type", "write-file"}, {"path", w.path}, {"from", opt(w.from)},
                    {"to", opt(w.to)}, {"what", w.what}, {"group", w.group}};
          },
          [](const SetVfSettings& v) -> json {
            json deferred = json::array();
            for (const auto& d : v.deferred)
              deferred.push_back({{"index", d.index}, {"mac_offset", d.mac_offset},
                                  {"config", config_json(d.config)}});
            // "changes" is filled in by step_text
            return {{"type", "set-vf"}, {"pf", v.pf}, {"ifname", v.ifname},
                    {"driver", v.driver}, {"deferred", deferred}};
          }},
      step);
}

// One step as a line of JSON.
std::string step_text(const Step& step) {
  std::string out = step_json(step).dump();
  if (const auto* v = std::get_if<SetVfSettings>(&step)) {
    out.pop_back();  // the closing brace
    out += R"(,"changes":[)";
    for (size_t i = 0; i < v->changes.size(); ++i) {
      const auto& c = v->changes[i];
      fmt::format_to(std::back_inserter(out), FMT_COMPILE(R"({}{{"index":{},"fields":{},"before":)"),
                     i ? ",\n" : "\n", c.index, c.fields);
      append_settings(out, c.before);
      out += R"(,"after":)";
      append_settings(out, c.after);
      out += '}';
    }
    out += "]}";
  }
  return out;
}

Result<Step> step_from(const json& j) {
  auto type = j.at("type").get<std::string>();
  if (type == "set-autoprobe")
    return Step{SetAutoprobe{j.at("pf"), j.at("pf_path"), j.at("from"), j.at("to")}};
  if (type == "set-numvfs") {
    SetNumVfs s{j.at("pf"), j.at("pf_path"), j.at("from"), j.at("to"), j.at("vfio_bound"),
                j.at("wait_netdevs"), {}};
    for (const auto& p : j.at("prior"))
      s.prior.push_back({get_opt<std::string>(p, "driver"), get_opt<std::string>(p, "override")});
    s.vfio_driver = get_opt<std::string>(j, "vfio_driver").value_or("vfio-pci");
    return Step{s};
  }
  if (type == "bind") {
    auto vf = PciAddress::parse(j.at("vf").get<std::string>());
    if (!vf) return tl::unexpected(vf.error());
    return Step{BindDriver{j.at("pf"), j.at("vf_index"), *vf, get_opt<std::string>(j, "from"),
                           get_opt<std::string>(j, "from_override"),
                           get_opt<std::string>(j, "to")}};
  }
  if (type == "create-mdev")
    return Step{CreateMdev{j.at("parent"), j.at("type_id"), j.at("type_path"), j.at("uuid")}};
  if (type == "remove-mdev")
    return Step{RemoveMdev{j.at("parent"), j.at("type_id"), j.at("type_path"), j.at("uuid")}};
  if (type == "set-vgpu-type")
    return Step{SetVgpuType{j.at("vf"), j.at("vf_path"), j.at("from"), j.at("to"), j.at("to_name")}};
  if (type == "write-file")
    return Step{WriteConfigFile{j.at("path"), get_opt<std::string>(j, "from"),
                                get_opt<std::string>(j, "to"), j.at("what"),
                                j.value("group", std::string())}};
  if (type == "set-vf") {
    SetVfSettings v{j.at("pf"), j.at("ifname"), j.at("driver"), {}, {}};
    for (const auto& c : j.at("changes"))
      v.changes.push_back({c.at("index"), settings_from(c.at("before")),
                           settings_from(c.at("after")), c.at("fields")});
    for (const auto& d : j.at("deferred"))
      v.deferred.push_back({d.at("index"), config_from(d.at("config")), d.at("mac_offset")});
    return Step{v};
  }
  return fail(Errc::io, "unknown step type '" + type + "' in the journal");
}

}  // namespace

Result<Journal> Journal::begin(const Sysfs& sysfs, const std::string& command, const Plan& plan) {
  std::time_t now = std::time(nullptr);
  json header = {{"version", 2},
                 {"pid", ::getpid()},
                 {"command", command},
                 {"started", fmt::format("{:%Y-%m-%d %H:%M:%S}", fmt::localtime(now))},
                 {"summary", plan.summary}};
  // {header fields, "done": 0, "steps": [one step per line]}
  std::string text = header.dump();
  text.pop_back();
  text += ",\"done\":0,\"steps\":[\n";
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    if (i) text += ",\n";
    text += step_text(plan.steps[i]);
  }
  text += "\n]}\n";
  if (auto ok = sysfs.write_file(kJournal, text); !ok) return tl::unexpected(ok.error());
  Journal journal(sysfs);
  auto path = sysfs.real(kJournal);
  if (!path) return tl::unexpected(path.error());
  journal.fd_ = ::open(path->c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (journal.fd_ < 0)
    return fail(Errc::io, fmt::format("opening {} to append: {}", kJournal, std::strerror(errno)),
                kJournal, errno);
  return journal;
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

// Only the step that completed is written again: it may have recorded what it observed.
Status Journal::step_done(size_t index, const Plan& plan) {
  if (index >= plan.steps.size()) return {};
  std::string record;
  fmt::format_to(std::back_inserter(record), FMT_COMPILE(R"({{"done":{},"index":{},"step":)"),
                 index + 1, index);
  record += step_text(plan.steps[index]);
  record += "}\n";
  // One write(2) of the whole record: a kill lands before or after it, not inside.
  size_t off = 0;
  while (off < record.size()) {
    ssize_t n = ::write(fd_, record.data() + off, record.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return fail(Errc::io, fmt::format("appending to {}: {}", kJournal,
                                        n < 0 ? std::strerror(errno) : "nothing written"),
                  kJournal, n < 0 ? errno : EIO);
    off += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0 && errno != EINVAL)
    return fail(Errc::io, fmt::format("syncing {}: {}", kJournal, std::strerror(errno)), kJournal,
                errno);
  return {};
}

Status Journal::finish() { return sysfs_->remove_file(kJournal); }

Status Journal::discard(const Sysfs& sysfs) { return sysfs.remove_file(kJournal); }

Result<std::optional<InterruptedRun>> Journal::find(const Sysfs& sysfs) {
  auto text = sysfs.read_opt(kJournal);
  if (!text) return std::optional<InterruptedRun>{};
  try {
    std::istringstream in(*text);
    json j;
    in >> j;  // the header; the appended records follow it
    InterruptedRun run;
    run.pid = j.at("pid");
    run.command = j.at("command");
    run.started = j.at("started");
    run.plan.summary = j.value("summary", "");
    run.done = j.at("done");
    for (const auto& s : j.at("steps")) {
      auto step = step_from(s);
      if (!step) return tl::unexpected(step.error());
      run.plan.steps.push_back(*step);
    }
    for (;;) {
      in >> std::ws;
      if (in.peek() == std::char_traits<char>::eof()) break;
      json record;
      try {
        in >> record;
      } catch (const json::exception&) {
        break;  // a torn last record: the step it would have recorded counts as not done
      }
      size_t index = record.at("index");
      if (index >= run.plan.steps.size())
        return fail(Errc::io, fmt::format("{}: a record for step {} of {}", kJournal, index + 1,
                                          run.plan.steps.size()),
                    kJournal);
      auto step = step_from(record.at("step"));
      if (!step) return tl::unexpected(step.error());
      run.plan.steps[index] = *step;
      run.done = std::max<size_t>(run.done, record.at("done"));
    }
    return std::optional<InterruptedRun>{std::move(run)};
  } catch (const json::exception& e) {
    return fail(Errc::io,
                fmt::format("{} cannot be read ({}): move it away and check the host by hand",
                            kJournal, e.what()),
                kJournal);
  }
}

ExecutionReport recover(const Sysfs& sysfs, InterruptedRun& run, StepRunner& runner) {
  ExecutionReport report;
  size_t n = run.plan.steps.size();
  report.status.assign(n, StepStatus::not_run);
  for (size_t i = 0; i < std::min(run.done, n); ++i) report.status[i] = StepStatus::done;
  if (run.done >= n) {  // it had finished; only the journal was left
    Journal::discard(sysfs);
    return report;
  }
  std::vector<std::string> failed;
  for (size_t i = std::min(run.done + 1, n); i-- > 0;) {
    auto back = runner.undo(run.plan.steps[i]);
    if (back) {
      report.status[i] = StepStatus::undone;
    } else {
      report.status[i] = StepStatus::undo_failed;
      failed.push_back(describe(run.plan.steps[i]) + ": " + back.error().message);
    }
  }
  if (!failed.empty()) {
    report.error = Error{Errc::rollback_incomplete,
                         fmt::format("recovering the run of pid {} ('{}', started {}): could not "
                                     "undo: {}. The journal {} is kept",
                                     run.pid, run.command, run.started, fmt::join(failed, "; "),
                                     kJournal),
                         kJournal, 0};
    return report;
  }
  Journal::discard(sysfs);
  return report;
}

}  // namespace sriov
