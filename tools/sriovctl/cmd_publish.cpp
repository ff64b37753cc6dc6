// sriovctl publish FORMAT: hand the host's VFs and vGPUs to a consumer (libvirt, CDI, the
// SR-IOV device plugin, Nova, KubeVirt) or print the neutral list (json). Reads the host, never
// writes to a device; the files are written through write-file steps (atomic, journaled,
// undone on failure) under the host lock, like every other change.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <ostream>

#include "cli.hpp"
#include "mdev/profile_file.hpp"
#include "mdev/publish.hpp"

namespace sriovctl {
namespace {

namespace pub = mdev::publish;

constexpr const char* kDomain = "sriovctl.local";

struct PublishArgs {
  std::string format;
  std::optional<std::string> profile;
  std::optional<std::string> output, domain;
  bool remove = false, force = false, dry_run = false;
};

nlohmann::json skipped_json(const pub::Rendered& r) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& s : r.skipped) list.push_back({{"device", s.device}, {"reason", s.reason}});
  return list;
}

// The catalog and its render; warnings and skipped devices on stderr (text mode).
sriov::Result<pub::Rendered> render(Context& ctx, const std::string& domain, pub::Format format,
                                    const mdev::Profile* profile,
                                    std::vector<std::string>& warnings) {
  auto inv = sriov::Inventory::scan(ctx.sysfs, false);
  if (!inv) return tl::unexpected(inv.error());
  sriov::LinkBackend* link = nullptr;
  if (auto l = ctx.link_where_available()) link = *l;
  else warnings.push_back("VF MAC and VLAN not read: " + l.error().message);
  auto catalog = pub::read_catalog(ctx.sysfs, *inv, link, profile);
  if (!catalog) return tl::unexpected(catalog.error());
  pub::RenderOptions options{domain, ctx.sysfs.exists("/dev/iommu"),
                             ctx.sysfs.read_opt("/proc/sys/kernel/hostname").value_or("")};
  auto rendered = pub::render(format, *catalog, options);
  warnings.insert(warnings.end(), catalog->warnings.begin(), catalog->warnings.end());
  warnings.insert(warnings.end(), rendered.warnings.begin(), rendered.warnings.end());
  return rendered;
}

// The catalog's and the render's warnings, then one line per reason a device was left out:
// a PF's 64 VFs on the wrong driver are one fact, not 64.
std::vector<std::string> notices(const pub::Rendered& r, const std::vector<std::string>& warnings) {
  std::vector<std::string> out = warnings;
  std::vector<std::pair<std::string, std::vector<std::string>>> by_reason;
  for (const auto& s : r.skipped) {
    auto it = std::find_if(by_reason.begin(), by_reason.end(),
                           [&](const auto& e) { return e.first == s.reason; });
    if (it == by_reason.end()) it = by_reason.insert(by_reason.end(), {s.reason, {}});
    it->second.push_back(s.device);
  }
  for (const auto& [reason, devices] : by_reason) {
    std::string list;
    for (size_t i = 0; i < devices.size() && i < 3; ++i) list += (i ? ", " : "") + devices[i];
    if (devices.size() > 3) list += fmt::format(" and {} more", devices.size() - 3);
    out.push_back(fmt::format("not published: {}: {}", list, reason));
  }
  return out;
}

void report_text(const Context& ctx, const pub::Rendered& r, const std::vector<std::string>& warnings) {
  if (ctx.out.json) return;
  for (const auto& n : notices(r, warnings)) ctx.out.warn(n);
}

}  // namespace

sriov::Result<Publication> prepare_publication(Context& ctx, const PublicationRequest& request,
                                               const mdev::Profile* profile) {
  Publication p;
  if (!request.remove) {
    auto r = render(ctx, request.domain, request.format, profile, p.warnings);
    if (!r) return tl::unexpected(r.error());
    p.rendered = std::move(*r);
  }
  auto published = pub::read_published(ctx.sysfs, request.dir, request.format, p.rendered);
  if (!published) return tl::unexpected(published.error());
  auto plan = pub::plan_publish({request.dir, request.format, request.remove, request.force},
                                p.rendered, *published);
  if (!plan) return tl::unexpected(plan.error());
  p.plan = std::move(*plan);
  return p;
}

std::vector<PublicationRequest> profile_publications(const mdev::Profile& profile) {
  std::vector<PublicationRequest> out;
  for (const auto& t : profile.publish) {
    auto format = *pub::parse_format(t.format);  // the profile parser checked it
    out.push_back({format, t.output.value_or(std::string(pub::default_output(format))),
                   t.domain.value_or(kDomain), false, false});
  }
  return out;
}

// Each publish: entry of the profile, from the host as it is now. A failure is undone (the
// directory as it was); the changes made before publishing stay.
ProfilePublication publish_profile_files(Context& ctx, const mdev::Profile& profile) {
  ProfilePublication out;
  for (const auto& request : profile_publications(profile)) {
    std::string name(pub::format_name(request.format));
    nlohmann::json entry = {{"format", name}, {"output", request.dir}, {"changed", false},
                            {"files", 0}, {"error", nullptr}};
    auto p = prepare_publication(ctx, request, &profile);
    if (p) {  // held devices, devices left out
      auto n = notices(p->rendered, p->warnings);
      out.warnings.insert(out.warnings.end(), n.begin(), n.end());
    }
    sriov::Result<sriov::ExecutionReport> done =
        p ? ctx.execute(p->plan) : tl::unexpected(p.error());
    std::optional<sriov::Error> error;
    if (!done) error = done.error();
    else if (done->error) error = *done->error;
    if (error) {
      error->message = fmt::format("publishing {} to {} failed, and its files are as they "
                                   "were: {}", name, request.dir, error->message);
      entry["error"] = tools::to_json(*error);
      out.errors.push_back(*error);
    } else {
      entry["changed"] = !p->plan.steps.empty();
      entry["files"] = p->rendered.files.size();
      entry["skipped"] = skipped_json(p->rendered);
      entry["warnings"] = p->warnings;
      out.lines.push_back(fmt::format("published {} to {}: {}", name, request.dir,
                                      p->plan.steps.empty()
                                          ? "no changes"
                                          : fmt::format("{} file writes", p->plan.steps.size())));
    }
    out.entries.push_back(entry);
  }
  return out;
}

// After apply: the apply's changes stay when publishing fails (exit 1).
int publish_profile(Context& ctx, const mdev::Profile& profile, nlohmann::json& report) {
  auto published = publish_profile_files(ctx, profile);
  report["published"] = published.entries;
  int status = 0;
  for (auto& error : published.errors) {
    error.message = "the apply completed, but " + error.message;
    status = ctx.out.json ? sriov::exit_status(error.code) : ctx.out.error_line(error);
  }
  if (!ctx.out.json) {
    for (const auto& w : published.warnings) ctx.out.warn(w);
    for (const auto& l : published.lines) ctx.out.out << l << '\n';
  }
  return status;
}

namespace {

int to_stdout(Context& ctx, const PublishArgs& args, pub::Format format,
              const mdev::Profile* profile) {
  if (args.remove)
    return ctx.out.error(sriov::Error{sriov::Errc::invalid_input,
                                      "--remove takes back files from a directory; give "
                                      "--output DIR"});
  std::vector<std::string> warnings;
  auto r = render(ctx, args.domain.value_or(kDomain), format, profile, warnings);
  if (!r) return ctx.out.error(r.error());
  if (r->files.size() > 1)
    return ctx.out.error(sriov::Error{
        sriov::Errc::invalid_input,
        fmt::format("publish {} writes {} files; give --output DIR", args.format, r->files.size())});
  report_text(ctx, *r, warnings);
  if (ctx.out.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : r->files) files.push_back({{"name", f.name}, {"content", f.content}});
    ctx.out.print_json({{"format", args.format}, {"output", "-"}, {"files", files},
                        {"skipped", skipped_json(*r)}, {"warnings", warnings}});
  } else if (!r->files.empty()) {
    ctx.out.out << r->files.front().content;
  }
  return 0;
}

int to_directory(Context& ctx, const PublishArgs& args, pub::Format format, const std::string& dir,
                 const mdev::Profile* profile) {
  if (!args.dry_run)
    if (int status = ctx.begin_write(); status != 0) return status;
  auto p = prepare_publication(ctx, {format, dir, args.domain.value_or(kDomain), args.remove,
                                     args.force}, profile);
  if (!p) return ctx.out.error(p.error());
  // What was left out is worth saying once the publish goes ahead; an error stands alone.
  report_text(ctx, p->rendered, p->warnings);
  nlohmann::json extra = {{"format", args.format}, {"output", dir},
                          {"skipped", skipped_json(p->rendered)}, {"warnings", p->warnings}};
  return run_plan(ctx, "publish", std::move(p->plan), args.dry_run, extra);
}

int run_publish(Context& ctx, PublishArgs args) {
  auto format = pub::parse_format(args.format);  // CLI11 checked the name
  std::optional<mdev::Profile> profile;
  if (args.profile) {
    auto loaded = mdev::load_profile(*args.profile);
    if (!loaded) return ctx.out.error(loaded.error());
    profile = std::move(*loaded);
    // The profile's publish: entry for this format says where and under which domain, unless
    // the command line does.
    for (const auto& t : profile->publish)
      if (t.format == args.format) {
        if (!args.output) args.output = t.output;
        if (!args.domain) args.domain = t.domain;
      }
  }
  if (args.domain)
    if (auto ok = pub::check_domain(*args.domain); !ok) return ctx.out.error(ok.error());
  std::string dir = args.output.value_or(std::string(pub::default_output(*format)));
  const mdev::Profile* p = profile ? &*profile : nullptr;
  if (dir == "-") return to_stdout(ctx, args, *format, p);
  if (dir.empty() || dir[0] != '/')
    return ctx.out.error(sriov::Error{
        sriov::Errc::invalid_input,
        fmt::format("--output {}: give an absolute directory, or - for standard output", dir)});
  return to_directory(ctx, args, *format, dir, p);
}

}  // namespace

void add_publish(CLI::App& app, Runner& selected) {
  auto args = std::make_shared<PublishArgs>();
  auto* cmd = app.add_subcommand(
      "publish", "Publish the VFs and vGPUs for libvirt, CDI, the SR-IOV device plugin, "
                 "dra-driver-sriov, Nova or KubeVirt, or as a JSON list (reads devices, writes "
                 "only files)");
  tools::declare_when_used(cmd, [=] {
    std::vector<std::string> names;
    for (auto f : pub::kFormats) names.emplace_back(pub::format_name(f));
    cmd->add_option("format", args->format,
                    "libvirt, cdi, device-plugin, dra, nova, kubevirt or json")
        ->required()
        ->check(CLI::IsMember(names));
    cmd->add_option("-f,--file", args->profile,
                    "Profile (sriov-profile(5)) whose publish: keys name the pools, and whose "
                    "publish: list gives this format's output and domain")
        ->type_name("PROFILE");
    cmd->add_option("-o,--output", args->output,
                    "Directory to write to (default: /var/run/cdi for cdi, /etc/pcidp for "
                    "device-plugin, /etc/sriov/publish/libvirt for libvirt, else -), or - for "
                    "standard output")
        ->type_name("DIR|-");
    cmd->add_option("--domain", args->domain,
                    "DNS domain resources are named in: CDI vendor, device plugin "
                    "resourcePrefix, KubeVirt resourceName (default sriovctl.local)")
        ->type_name("DOMAIN");
    cmd->add_flag("--remove", args->remove, "Remove the files an earlier publish of FORMAT wrote");
    cmd->add_flag("--force", args->force, "Overwrite files that no earlier publish wrote");
    cmd->add_flag("--dry-run", args->dry_run, "Print the file writes and write nothing");
  });
  cmd->callback([&selected, args] {
    selected = [args](Context& c) { return run_publish(c, *args); };
  });
}

}  // namespace sriovctl
