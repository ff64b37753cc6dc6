// Writing a render into its directory: the write-file steps, planned from what is there.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

#include "mdev/publish.hpp"
#include "mdev/steps/mdev_steps.hpp"
#include "sriov/text.hpp"

namespace mdev::publish {
namespace {

// A manifest names files in its own directory, nothing else: a name with '/' or a leading
// '.' (a hand-edited or damaged manifest) would make --remove delete elsewhere.
bool plain_name(std::string_view name) {
  if (name.empty() || name[0] == '.' || name.size() > 255) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-' || c == ':';
  });
}

// The file as it is, byte for byte (Sysfs::read drops the last newline, as attributes need).
sriov::Result<std::optional<std::string>> read_if_there(const sriov::Sysfs& sysfs,
                                                        const std::string& path) {
  auto real = sysfs.real(path);
  if (!real) return tl::unexpected(real.error());
  auto text = sriov::read_regular_file(*real, path, sriov::kMaxStateFileBytes);
  if (!text && text.error().code == sriov::Errc::not_found) return std::optional<std::string>();
  if (!text) return tl::unexpected(text.error());
  return std::optional<std::string>(std::move(*text));
}

sriov::Result<std::vector<std::string>> parse_manifest(const std::string& text,
                                                       const std::string& path) {
  std::vector<std::string> names;
  int line = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string name = text.substr(start, end - start);
    start = end + 1;
    ++line;
    if (name.empty()) continue;
    if (!plain_name(name))
      return sriov::fail(sriov::Errc::invalid_input,
                         fmt::format("{} line {}: \"{}\" is not a file name this tool writes; "
                                     "remove the line, or the file, by hand",
                                     path, line, sriov::escape(name, true)),
                         path);
    names.push_back(name);
  }
  return names;
}

std::string manifest_text(const Rendered& rendered) {
  std::vector<std::string> names;
  for (const auto& f : rendered.files) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += n + "\n";
  return out;
}

}  // namespace

std::string manifest_name(Format format) {
  return fmt::format(".sriovctl-publish-{}", format_name(format));
}

sriov::Result<Published> read_published(const sriov::Sysfs& sysfs, const std::string& dir,
                                        Format format, const Rendered& rendered) {
  Published out;
  std::string mpath = sriov::join_path(dir, manifest_name(format));
  auto manifest = read_if_there(sysfs, mpath);
  if (!manifest) return tl::unexpected(manifest.error());
  std::set<std::string> names;
  if (*manifest) {
    auto listed = parse_manifest(**manifest, mpath);
    if (!listed) return tl::unexpected(listed.error());
    out.files[manifest_name(format)] = **manifest;
    names.insert(listed->begin(), listed->end());
    out.manifest = std::move(*listed);
  }
  for (const auto& f : rendered.files) names.insert(f.name);
  for (const auto& name : names) {
    auto text = read_if_there(sysfs, sriov::join_path(dir, name));
    if (!text) return tl::unexpected(text.error());
    if (*text) out.files[name] = std::move(**text);
  }
  return out;
}

sriov::Result<sriov::Plan> plan_publish(const PublishRequest& request, const Rendered& rendered,
                                        const Published& published) {
  std::string fmt_name(format_name(request.format));
  sriov::Plan plan;
  plan.summary = request.remove ? fmt::format("remove the published {} files from {}", fmt_name,
                                              request.dir)
                                : fmt::format("publish {} to {}", fmt_name, request.dir);
  std::set<std::string> ours;
  if (published.manifest) ours.insert(published.manifest->begin(), published.manifest->end());
  auto step = [&](const std::string& name, std::optional<std::string> to) {
    auto it = published.files.find(name);
    std::optional<std::string> from;
    if (it != published.files.end()) from = it->second;
    if (from == to) return;
    plan.steps.push_back(WriteConfigFile{sriov::join_path(request.dir, name), from, std::move(to),
                                         fmt::format("published {} file {}", fmt_name, name),
                                         "publish " + fmt_name});
  };
  std::vector<std::string> refusals;
  std::set<std::string> wanted;
  if (!request.remove)
    for (const auto& f : rendered.files) {
      wanted.insert(f.name);
      auto it = published.files.find(f.name);
      if (it != published.files.end() && it->second != f.content && !ours.count(f.name) &&
          !request.force)
        refusals.push_back(sriov::join_path(request.dir, f.name));
      step(f.name, f.content);
    }
  if (!refusals.empty())
    return sriov::fail(sriov::Errc::refused,
                       fmt::format("refusing to overwrite {}: no earlier `publish {}` wrote it; "
                                   "move it away, or pass --force to replace it",
                                   fmt::join(refusals, ", "), fmt_name),
                       refusals.front());
  for (const auto& name : ours)
    if (!wanted.count(name)) step(name, std::nullopt);
  bool keep_manifest = !request.remove && !rendered.files.empty();
  step(manifest_name(request.format),
       keep_manifest ? std::optional<std::string>(manifest_text(rendered)) : std::nullopt);
  if (plan.steps.empty())
    plan.notes.push_back(request.remove && !published.manifest
                             ? fmt::format("nothing was published to {}", request.dir)
                             : fmt::format("{} holds the published {} files already", request.dir,
                                           fmt_name));
  return plan;
}

}  // namespace mdev::publish
