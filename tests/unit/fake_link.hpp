#pragma once
// A LinkBackend that plays the kernel's rtnetlink side for VF settings, in memory.

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "sriov/link_backend.hpp"

namespace test {

using namespace sriov;

// Behaves like the kernel's do_setvfinfo loop: entries in order, the first error aborts the
// rest of the message and earlier entries stay applied.
class FakeLink : public sriov::LinkBackend {
 public:
  explicit FakeLink(unsigned vfs) : vfs_(vfs) {
    for (unsigned i = 0; i < vfs; ++i) state_.push_back({i, VfSettings{}});
    for (auto& s : state_) s.settings.spoofchk = s.settings.trust = s.settings.query_rss = false;
  }
  std::optional<unsigned> refuse_vf;  // this VF's next request fails with refuse_errno
  int refuse_errno = EINVAL;
  unsigned busy_times = 0;            // first N sends answer EBUSY and apply nothing
  bool rates_16bit = false;           // netdevsim keeps rates in 16 bits
  std::vector<size_t> message_sizes;  // VFs per RTM_SETLINK

  Result<VfDump> read(const std::string&) override {
    ++counters_.get_requests;
    VfDump d;
    d.num_vf = vfs_;
    d.vfs = state_;
    return d;
  }
  Status send(const std::string&, const std::vector<VfChange>& changes) override {
    ++counters_.set_requests;
    message_sizes.push_back(changes.size());
    if (busy_times > 0) {
      --busy_times;
      return fail(Errc::kernel, "busy", {}, EBUSY);
    }
    for (const auto& c : changes) {
      auto& s = state_.at(c.index).settings;
      if (refuse_vf == c.index) {
        if (c.fields & kFieldMac) s.mac = c.after.mac;  // MAC goes first, then the refusal
        refuse_vf.reset();  // the value is refused, not the VF: restoring it works
        return fail(Errc::kernel, "refused", {}, refuse_errno);
      }
      if (c.fields & kFieldMac) s.mac = c.after.mac;
      if (c.fields & kFieldVlan) {
        s.vlan = c.after.vlan;
        s.qos = c.after.qos;
        s.vlan_proto = c.after.vlan_proto;
      }
      if (c.fields & kFieldRate) {
        s.min_rate = rates_16bit ? c.after.min_rate & 0xffff : c.after.min_rate;
        s.max_rate = rates_16bit ? c.after.max_rate & 0xffff : c.after.max_rate;
      }
      if (c.fields & kFieldSpoofchk) s.spoofchk = c.after.spoofchk;
      if (c.fields & kFieldTrust) s.trust = c.after.trust;
      if (c.fields & kFieldLinkState) s.link_state = c.after.link_state;
      if (c.fields & kFieldQueryRss) s.query_rss = c.after.query_rss;
    }
    return {};
  }
  LinkCounters counters() const override { return counters_; }
  void count_retry() override { ++counters_.retries; }
  const std::vector<VfState>& state() const { return state_; }

 private:
  unsigned vfs_;
  std::vector<VfState> state_;
  LinkCounters counters_;
};

}  // namespace test
