#include "request.hpp"

#include <fmt/format.h>

#include "cli.hpp"
#include "mdev/size.hpp"

namespace vgpuctl {

void add_request_options(CLI::App& cmd, RequestArgs& args, bool with_uuid) {
  auto* type = cmd.add_option("--type", args.type,
                              "vGPU type by id (nvidia-230, mbochs-large, 1155) or name "
                              "(\"GRID T4-1Q\")")
                   ->type_name("TYPE");
  auto* fb = cmd.add_option("--framebuffer", args.framebuffer,
                            "Smallest type with at least SIZE of framebuffer (512M, 4G, 4GiB, "
                            "1024MiB; powers of 1024)")
                 ->type_name("SIZE");
  type->excludes(fb);
  fb->excludes(type);
  cmd.add_option("--class", args.profile_class,
                 "Only NVIDIA types of this class: Q (vWS), B (vPC), A (vApps), C (compute)")
      ->type_name("Q|B|A|C")
      ->check(CLI::IsMember({"Q", "B", "A", "C"}));
  cmd.add_option("--count", args.count,
                 "Number of instances, all or none (default 1, or one per --uuid)")
      ->type_name("N")
      ->check(tools::decimal(1, 4096));
  if (with_uuid)
    cmd.add_option("--uuid", args.uuids,
                   "UUID of an instance to create (repeat for several; the others get random "
                   "UUIDs)")
        ->type_name("UUID")
        ->allow_extra_args(false);
}

sriov::Result<mdev::VgpuRequest> make_request(const RequestArgs& args) {
  mdev::VgpuRequest r;
  if (args.type.empty() && args.framebuffer.empty())
    return sriov::fail(sriov::Errc::invalid_input, "give --type TYPE or --framebuffer SIZE");
  if (!args.type.empty()) r.type = args.type;
  if (!args.framebuffer.empty()) {
    auto size = mdev::parse_size(args.framebuffer);
    if (!size) return tl::unexpected(size.error());
    r.min_framebuffer = *size;
  }
  if (!args.profile_class.empty()) r.profile_class = args.profile_class[0];
  auto uuids = parse_uuids(args.uuids);
  if (!uuids) return tl::unexpected(uuids.error());
  r.uuids = *uuids;
  r.count = args.count ? args.count : std::max<unsigned>(1, static_cast<unsigned>(r.uuids.size()));
  if (r.uuids.size() > r.count)
    return sriov::fail(sriov::Errc::invalid_input,
                       fmt::format("{} UUIDs given for --count {}", r.uuids.size(), r.count));
  auto spare = random_uuids(r.count - r.uuids.size());
  if (!spare) return tl::unexpected(spare.error());
  r.spare_uuids = *spare;
  return r;
}

nlohmann::json created_json(const mdev::VgpuPlan& plan) {
  nlohmann::json instances = nlohmann::json::array();
  for (const auto& p : plan.placements)
    instances.push_back({{"gpu", p.gpu}, {"parent", p.slot}, {"id", p.instance}});
  nlohmann::json type = {{"id", plan.type_id},
                         {"name", plan.type_name},
                         {"framebuffer_bytes", plan.framebuffer ? nlohmann::json(*plan.framebuffer)
                                                                : nlohmann::json(nullptr)}};
  return {{"type", type}, {"instances", instances}};
}

}  // namespace vgpuctl
