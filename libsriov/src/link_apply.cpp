// Applying VF changes: chunking under the 64 KiB limit, bounded retries, read-back
// verification, and restoring every VF exactly when anything fails.

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "sriov/link_backend.hpp"
#include "sriov/vf_spec.hpp"

namespace sriov {
namespace {

// Kernel processing order inside one VF (net/core/rtnetlink.c do_setvfinfo): the first group
// not applied on the failing VF is the one the kernel refused.
constexpr unsigned kKernelOrder[] = {kFieldMac,      kFieldVlan,     kFieldRate, kFieldSpoofchk,
                                     kFieldLinkState, kFieldQueryRss, kFieldTrust};

std::string field_values(const VfChange& ch, unsigned field) {
  VfChange only = ch;
  only.fields = field;
  return describe_change(only);
}

// Fields of `change` whose value `now` does not match what was asked.
unsigned unapplied_fields(const VfChange& change, const VfSettings& now) {
  unsigned out = 0;
  for (unsigned f : kKernelOrder) {
    if (!(change.fields & f)) continue;
    VfChange one = change;
    one.fields = f;
    if (!verify(one, now).empty()) out |= f;
  }
  return out;
}

const VfSettings* find(const VfDump& dump, unsigned index) {
  return index < dump.vfs.size() ? &dump.vfs[index].settings : nullptr;
}

Status send_with_retry(LinkBackend& link, const std::string& ifname,
                       const std::vector<VfChange>& chunk, unsigned max_attempts) {
  auto delay = std::chrono::milliseconds(50);
  for (unsigned attempt = 1;; ++attempt) {
    auto st = link.send(ifname, chunk);
    if (st) return st;
    int err = st.error().sys_errno;
    // i40e answers EAGAIN and ice EBUSY while a VF is still in reset: worth a bounded retry.
    if ((err != EAGAIN && err != EBUSY) || attempt >= max_attempts) return st;
    link.count_retry();
    std::this_thread::sleep_for(delay);
    delay *= 2;
  }
}

// Puts every VF whose settings differ from `before` back; returns the VFs it restored.
Result<std::vector<unsigned>> restore(LinkBackend& link, const std::string& ifname,
                                      const std::vector<VfChange>& changes,
                                      const VfDump& now, unsigned max_attempts) {
  std::vector<VfChange> back;
  for (const auto& ch : changes) {
    const VfSettings* cur = find(now, ch.index);
    if (!cur) continue;
    VfChange undo{ch.index, *cur, ch.before, 0};
    undo.fields = unapplied_fields(VfChange{ch.index, *cur, ch.before, ch.fields}, *cur);
    if (undo.fields) back.push_back(undo);
  }
  std::vector<unsigned> restored;
  for (const auto& chunk : chunk_changes(back)) {
    if (auto st = send_with_retry(link, ifname, chunk, max_attempts); !st)
      return fail(Errc::rollback_incomplete,
                  fmt::format("Restoring the previous settings failed: {}", st.error().message));
  }
  if (back.empty()) return restored;
  auto after = link.read(ifname);
  if (!after)
    return fail(Errc::rollback_incomplete,
                fmt::format("Reading the VFs back after restoring them failed: {}",
                            after.error().message));
  std::vector<std::string> still;
  for (const auto& u : back) {
    const VfSettings* cur = find(*after, u.index);
    auto diffs = cur ? verify(u, *cur) : std::vector<std::string>{"VF missing"};
    if (diffs.empty()) restored.push_back(u.index);
    else still.push_back(fmt::format("VF {}: {}", u.index, fmt::join(diffs, ", ")));
  }
  if (!still.empty())
    return fail(Errc::rollback_incomplete,
                fmt::format("Restoring the previous settings failed: {}", fmt::join(still, "; ")));
  return restored;
}

std::string restored_text(const Result<std::vector<unsigned>>& restored) {
  if (!restored) return " " + restored.error().message + ".";
  if (restored->empty()) return " Nothing had been applied.";
  return fmt::format(" VF{} {} had been changed and {} restored to the previous settings.",
                     restored->size() == 1 ? "" : "s", format_vf_ranges(*restored),
                     restored->size() == 1 ? "was" : "were");
}

std::string explain(int err, const std::string& driver, unsigned field, const VfChange* vf) {
  std::string what = vf ? field_values(*vf, field) : std::string();
  std::string names = field_names(field);
  switch (err) {
    case EOPNOTSUPP:
      return fmt::format("driver {} does not support {} (EOPNOTSUPP)", driver, names);
    case EPROTONOSUPPORT:
      return fmt::format("driver {} does not support 802.1ad VLANs (EPROTONOSUPPORT)", driver);
    case EINVAL:
      return fmt::format("the driver refused {} (EINVAL; dmesg may say why)",
                         what.empty() ? names : what);
    case EAGAIN:
    case EBUSY:
      return fmt::format("the VF stayed busy (still in reset?) after every retry ({})",
                         std::strerror(err));
    default: return std::strerror(err);
  }
}

}  // namespace

std::vector<std::vector<VfChange>> chunk_changes(const std::vector<VfChange>& changes) {
  std::vector<std::vector<VfChange>> chunks;
  size_t bytes = 0;
  for (const auto& ch : changes) {
    if (!ch.fields) continue;
    size_t size = encoded_size(ch);
    if (chunks.empty() || bytes + size > kMaxVfListBytes - 4 /* the list header */) {
      chunks.emplace_back();
      bytes = 0;
    }
    chunks.back().push_back(ch);
    bytes += size;
  }
  return chunks;
}

Status apply_vf_changes(LinkBackend& link, const std::string& ifname,
                        const std::vector<VfChange>& changes, const ApplyOptions& options) {
  auto chunks = chunk_changes(changes);
  for (const auto& chunk : chunks) {
    auto sent = send_with_retry(link, ifname, chunk, options.max_attempts);
    if (sent) continue;
    int err = sent.error().sys_errno;
    auto now = link.read(ifname);
    if (!now)
      return fail(Errc::rollback_incomplete,
                  fmt::format("{}: setting VFs failed ({}) and reading them back failed too ({}); "
                              "their state is unknown",
                              options.pf_label, sent.error().message, now.error().message));
    // The first VF of the failing message that is not fully applied is where the kernel
    // stopped; its first unapplied field (in kernel order) is the one refused.
    const VfChange* failing = nullptr;
    unsigned field = 0;
    for (const auto& ch : chunk) {
      const VfSettings* cur = find(*now, ch.index);
      unsigned missing = cur ? unapplied_fields(ch, *cur) : ch.fields;
      if (missing) {
        failing = &ch;
        for (unsigned f : kKernelOrder)
          if (missing & f) {
            field = f;
            break;
          }
        break;
      }
    }
    auto restored = restore(link, ifname, changes, *now, options.max_attempts);
    std::string where = failing ? fmt::format("VF {}", failing->index) : "a VF";
    Error e{restored ? (err == EOPNOTSUPP || err == EPROTONOSUPPORT ? Errc::unsupported
                                                                    : Errc::kernel)
                     : Errc::rollback_incomplete,
            fmt::format("{}: the kernel refused the settings of {}: {}.{}", options.pf_label, where,
                        explain(err, options.driver, field, failing), restored_text(restored)),
            {}, err};
    return tl::unexpected(e);
  }
  if (chunks.empty()) return {};
  auto now = link.read(ifname);
  if (!now) return tl::unexpected(now.error());
  std::vector<std::string> mismatches;
  for (const auto& ch : changes) {
    if (!ch.fields) continue;
    const VfSettings* cur = find(*now, ch.index);
    auto diffs = cur ? verify(ch, *cur) : std::vector<std::string>{"the VF is gone"};
    if (!diffs.empty()) mismatches.push_back(fmt::format("VF {}: {}", ch.index, fmt::join(diffs, ", ")));
  }
  if (mismatches.empty()) return {};
  auto restored = restore(link, ifname, changes, *now, options.max_attempts);
  size_t shown = std::min<size_t>(mismatches.size(), 8);
  std::string list = fmt::format("{}", fmt::join(mismatches.begin(), mismatches.begin() + shown, "; "));
  if (mismatches.size() > shown) list += fmt::format("; and {} more VFs", mismatches.size() - shown);
  return fail(restored ? Errc::kernel : Errc::rollback_incomplete,
              fmt::format("{}: the kernel accepted the settings but reads back something else "
                          "(driver {} stores them differently): {}.{}",
                          options.pf_label, options.driver, list, restored_text(restored)));
}

}  // namespace sriov
