// The step kind that writes or removes an mdevctl definition file.
#include <fmt/format.h>

#include "mdev/step_kinds.hpp"
#include "sriov/json_text.hpp"

namespace sriov {

using mdev::WriteConfigFile;

std::string StepKind<WriteConfigFile>::action(const WriteConfigFile& w) {
  return w.to ? "write-file" : "remove-file";
}
std::string StepKind<WriteConfigFile>::target(const WriteConfigFile& w) { return w.path; }
std::string StepKind<WriteConfigFile>::group(const WriteConfigFile& w) {
  return w.group.empty() ? w.what : w.group;
}

std::string StepKind<WriteConfigFile>::describe(const WriteConfigFile& w) {
  return fmt::format("{} {}", w.to ? (w.from ? "rewrite" : "write") : "remove", w.what);
}

std::string StepKind<WriteConfigFile>::disruption(const WriteConfigFile&) { return {}; }

std::vector<Write> StepKind<WriteConfigFile>::writes(const WriteConfigFile& w) {
  return {{w.path, w.to ? *w.to : "(remove the file)"}};
}

// The contents themselves are in the plan (--dry-run); status says only whether they differ.
std::vector<Difference> StepKind<WriteConfigFile>::drift(const WriteConfigFile& w) {
  std::string wanted = w.to ? fmt::format("{} bytes ({})", w.to->size(), w.what) : "absent";
  std::string have = !w.from ? "absent"
                     : w.to  ? fmt::format("{} bytes, other contents", w.from->size())
                             : fmt::format("{} bytes", w.from->size());
  return {{w.path, "file", wanted, have}};
}

Status StepKind<WriteConfigFile>::check(const WriteConfigFile&, StepContext&) { return {}; }

Status StepKind<WriteConfigFile>::apply(WriteConfigFile& w, StepContext& ctx) {
  return ctx.write_file(w.path, w.to);
}

Status StepKind<WriteConfigFile>::undo(const WriteConfigFile& w, StepContext& ctx) {
  return ctx.write_file(w.path, w.from);
}

void StepKind<WriteConfigFile>::encode(const WriteConfigFile& w, std::string& out) {
  out += sriov::dump_utf8(nlohmann::json{{"type", type},          {"path", w.path}, {"from", json_opt(w.from)},
                        {"to", json_opt(w.to)}, {"what", w.what}, {"group", w.group}});
}

template <>
Result<WriteConfigFile> decode_record<WriteConfigFile>(const nlohmann::json& j) {
  return WriteConfigFile{j.at("path"), json_get_opt<std::string>(j, "from"),
                         json_get_opt<std::string>(j, "to"), j.at("what"),
                         j.value("group", std::string())};
}

}  // namespace sriov
