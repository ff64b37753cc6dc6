#include "sriov/plan.hpp"

#include <fmt/format.h>

#include "sriov/link_backend.hpp"
#include "sriov/vf_spec.hpp"

namespace sriov {
namespace {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

std::string driver_text(const std::optional<std::string>& driver) {
  return driver ? *driver : "no driver";
}

}  // namespace

std::string step_action(const Step& step) {
  return std::visit(overloaded{[](const SetAutoprobe&) { return std::string("set-autoprobe"); },
                               [](const SetNumVfs&) { return std::string("set-numvfs"); },
                               [](const BindDriver& b) {
                                 return std::string(b.to ? "bind" : "unbind");
                               },
                               [](const CreateMdev&) { return std::string("create-mdev"); },
                               [](const RemoveMdev&) { return std::string("remove-mdev"); },
                               [](const SetVgpuType&) { return std::string("set-vgpu-type"); },
                               [](const WriteConfigFile& w) {
                                 return std::string(w.to ? "write-file" : "remove-file");
                               },
                               [](const SetVfSettings&) { return std::string("set-vf"); }},
                    step);
}

std::string step_target(const Step& step) {
  return std::visit(overloaded{[](const SetAutoprobe& s) { return s.pf; },
                               [](const SetNumVfs& s) { return s.pf; },
                               [](const BindDriver& b) { return b.vf.str(); },
                               [](const CreateMdev& m) { return m.uuid; },
                               [](const RemoveMdev& m) { return m.uuid; },
                               [](const SetVgpuType& v) { return v.vf; },
                               [](const WriteConfigFile& w) { return w.path; },
                               [](const SetVfSettings& v) { return v.pf; }},
                    step);
}

std::string step_group(const Step& step) {
  return std::visit(overloaded{[](const SetAutoprobe& s) { return s.pf; },
                               [](const SetNumVfs& s) { return s.pf; },
                               [](const BindDriver& b) { return b.pf; },
                               [](const CreateMdev& m) { return m.parent; },
                               [](const RemoveMdev& m) { return m.parent; },
                               [](const SetVgpuType& v) { return v.vf; },
                               [](const WriteConfigFile& w) {
                                 return w.group.empty() ? w.what : w.group;
                               },
                               [](const SetVfSettings& v) { return v.pf; }},
                    step);
}

std::string describe(const Step& step) {
  return std::visit(
      overloaded{
          [](const SetAutoprobe& s) {
            return fmt::format("set sriov_drivers_autoprobe of {}: {} -> {}", s.pf, int(s.from),
                               int(s.to));
          },
          [](const SetNumVfs& s) {
            return fmt::format("set VF count of {}: {} -> {}", s.pf, s.from, s.to);
          },
          [](const BindDriver& b) {
            if (!b.to)
              return fmt::format("unbind VF {} ({}) of {} from {}", b.vf_index, b.vf.str(), b.pf,
                                 driver_text(b.from));
            return fmt::format("bind VF {} ({}) of {} to {}", b.vf_index, b.vf.str(), b.pf, *b.to);
          },
          [](const CreateMdev& m) {
            return fmt::format("create mdev {} of type {} on {}", m.uuid, m.type_id, m.parent);
          },
          [](const RemoveMdev& m) {
            return fmt::format("remove mdev {} ({} on {})", m.uuid, m.type_id, m.parent);
          },
          [](const SetVgpuType& v) {
            if (v.to == 0) return fmt::format("remove the vGPU of VF {} (type {} -> 0)", v.vf, v.from);
            return fmt::format("set vGPU type of VF {}: {} -> {} ({})", v.vf, v.from, v.to,
                               v.to_name);
          },
          [](const WriteConfigFile& w) {
            return fmt::format("{} {}", w.to ? (w.from ? "rewrite" : "write") : "remove", w.what);
          },
          [](const SetVfSettings& v) {
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
          }},
      step);
}

std::string disruption(const Step& step) {
  return std::visit(
      overloaded{[](const SetAutoprobe&) { return std::string(); },
                 [](const SetNumVfs& s) {
                   if (s.from == 0) return std::string();
                   std::string text = fmt::format("destroys {} VF{}", s.from, s.from == 1 ? "" : "s");
                   if (s.vfio_bound) text += fmt::format(" ({} bound to {})", s.vfio_bound, s.vfio_driver);
                   return text;
                 },
                 [](const BindDriver& b) {
                   if (!b.from) return std::string();
                   if (!b.to) return fmt::format("unbinds VF {} from {}", b.vf_index, *b.from);
                   return fmt::format("rebinds VF {} from {}", b.vf_index, *b.from);
                 },
                 [](const CreateMdev&) { return std::string(); },
                 [](const RemoveMdev& m) {
                   return fmt::format("destroys vGPU {} (a VM using it loses it)", m.uuid);
                 },
                 [](const SetVgpuType& v) {
                   return v.from ? fmt::format("destroys the vGPU of type {} on VF {}", v.from, v.vf)
                                 : std::string();
                 },
                 [](const WriteConfigFile&) { return std::string(); },
                 [](const SetVfSettings& v) {
                   for (const auto& c : v.changes)
                     if (c.fields & kFieldMac)
                       return std::string("a MAC change resets the VF on some drivers (i40e, ice)");
                   return std::string();
                 }},
      step);
}

std::vector<Write> planned_writes(const Step& step) {
  return std::visit(
      overloaded{
          [](const SetAutoprobe& s) {
            return std::vector<Write>{
                {s.pf_path + "/sriov_drivers_autoprobe", s.to ? "1" : "0"}};
          },
          [](const SetNumVfs& s) {
            return std::vector<Write>{{s.pf_path + "/sriov_numvfs", std::to_string(s.to)}};
          },
          [](const BindDriver& b) {
            std::string dev = "/sys/bus/pci/devices/" + b.vf.str();
            std::vector<Write> w;
            w.push_back({dev + "/driver_override", b.to ? *b.to : kClearOverride});
            if (b.from) w.push_back({"/sys/bus/pci/drivers/" + *b.from + "/unbind", b.vf.str()});
            if (b.to) w.push_back({"/sys/bus/pci/drivers_probe", b.vf.str()});
            return w;
          },
          [](const CreateMdev& m) {
            return std::vector<Write>{{m.type_path + "/create", m.uuid}};
          },
          [](const RemoveMdev& m) {
            return std::vector<Write>{{"/sys/bus/mdev/devices/" + m.uuid + "/remove", "1"}};
          },
          [](const SetVgpuType& v) {
            std::vector<Write> w;
            if (v.from != 0 && v.to != 0) w.push_back({v.vf_path + "/nvidia/current_vgpu_type", "0"});
            w.push_back({v.vf_path + "/nvidia/current_vgpu_type", std::to_string(v.to)});
            return w;
          },
          [](const WriteConfigFile& w) {
            return std::vector<Write>{{w.path, w.to ? *w.to : "(remove the file)"}};
          },
          [](const SetVfSettings& v) {
            std::vector<Write> w;
            if (v.changes.empty())
              for (const auto& d : v.deferred)
                w.push_back({fmt::format("rtnetlink RTM_SETLINK {} (what differs when the VF "
                                         "exists)",
                                         v.ifname),
                             fmt::format("VF {}: {}", d.index,
                                         describe_config(d.config, d.mac_offset))});
            auto chunks = chunk_changes(v.changes);
            for (size_t i = 0; i < chunks.size(); ++i) {
              auto message = fmt::format("rtnetlink RTM_SETLINK {} (message {} of {})", v.ifname,
                                         i + 1, chunks.size());
              for (const auto& c : chunks[i])
                w.push_back({message, "VF " + std::to_string(c.index) + ": " + describe_change(c)});
            }
            return w;
          }},
      step);
}

}  // namespace sriov
