#include "sriov/plan.hpp"

#include <fmt/format.h>

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
                               }},
                    step);
}

std::string step_target(const Step& step) {
  return std::visit(overloaded{[](const SetAutoprobe& s) { return s.pf; },
                               [](const SetNumVfs& s) { return s.pf; },
                               [](const BindDriver& b) { return b.vf.str(); }},
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
          }},
      step);
}

std::string disruption(const Step& step) {
  return std::visit(
      overloaded{[](const SetAutoprobe&) { return std::string(); },
                 [](const SetNumVfs& s) {
                   if (s.from == 0) return std::string();
                   std::string text = fmt::format("destroys {} VF{}", s.from, s.from == 1 ? "" : "s");
                   if (s.vfio_bound) text += fmt::format(" ({} bound to vfio-pci)", s.vfio_bound);
                   return text;
                 },
                 [](const BindDriver& b) {
                   if (!b.from) return std::string();
                   if (!b.to) return fmt::format("unbinds VF {} from {}", b.vf_index, *b.from);
                   return fmt::format("rebinds VF {} from {}", b.vf_index, *b.from);
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
            w.push_back({dev + "/driver_override", b.to ? *b.to : "\\n (clear)"});
            if (b.from) w.push_back({"/sys/bus/pci/drivers/" + *b.from + "/unbind", b.vf.str()});
            if (b.to) w.push_back({"/sys/bus/pci/drivers_probe", b.vf.str()});
            return w;
          }},
      step);
}

}  // namespace sriov
