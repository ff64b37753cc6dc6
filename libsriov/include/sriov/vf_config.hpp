#pragma once
// VF settings as the user asks for them (VfConfig: one optional per attribute) and as the
// kernel reports them (VfSettings), plus the per-VF difference a set request sends.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/mac_address.hpp"

namespace sriov {

enum class VlanProto { dot1q, dot1ad };
enum class LinkState { automatic = 0, enable = 1, disable = 2 };

std::string_view name(VlanProto proto);  // "802.1Q" / "802.1ad"
std::string_view name(LinkState state);  // "auto" / "enable" / "disable"

// The one vocabulary of VF settings: the keys of sriov-profile(5). `set` takes them, and
// show, plans, drift, errors and the profile export say them; JSON writes them with '_'.
namespace vf_key {
inline constexpr const char* mac = "mac-address";
inline constexpr const char* mac_from = "mac-from";
inline constexpr const char* vlan = "vlan-id";
inline constexpr const char* qos = "qos";
inline constexpr const char* vlan_proto = "vlan-proto";
inline constexpr const char* min_rate = "min-tx-rate";
inline constexpr const char* max_rate = "max-tx-rate";
inline constexpr const char* spoofchk = "spoof-check";
inline constexpr const char* trust = "trust";
inline constexpr const char* link_state = "link-state";
inline constexpr const char* query_rss = "query-rss";
}  // namespace vf_key
// Every key above, in the profile's order.
const std::vector<std::string_view>& vf_setting_keys();
// The key a spelling names: a key itself, '_' for '-' (iproute2's max_tx_rate, query_rss),
// or an alias from iproute2 and earlier versions (mac, vlan, proto, rate, min-rate, max-rate,
// spoofchk, state). nullopt for anything else.
std::optional<std::string_view> canonical_vf_key(std::string_view spelling);
// How JSON writes a key: vlan_id, spoof_check, max_tx_rate, ...
std::string json_key(std::string_view key);

// What the user asked for: only the fields given are changed.
struct VfConfig {
  std::optional<MacAddress> mac;
  std::optional<MacAddress> mac_from;  // consecutive MACs across a range (resolved per VF)
  std::optional<unsigned> vlan, qos;
  std::optional<VlanProto> vlan_proto;
  std::optional<unsigned> min_rate, max_rate;  // Mbit/s; max 0 = unlimited
  std::optional<bool> spoofchk, trust, query_rss;
  std::optional<LinkState> link_state;

  bool empty() const;
};

// Parses one "key=value" setting (sriovctl set syntax; any spelling canonical_vf_key takes,
// on/off or true/false for flags) into config; errors name the key as written.
Status parse_vf_setting(std::string_view text, VfConfig& config);

// Range checks that need no kernel: VLAN 0-4095, QoS 0-7, min <= max, unicast MAC.
// `who` names the VF for messages ("VF 3 of ens1f0").
Status validate(const VfConfig& config, const std::string& who);

// What the kernel reports for one VF. spoofchk/trust/query_rss are nullopt when the driver
// does not report them (the kernel's 0xffffffff), which is not the same as off.
struct VfSettings {
  MacAddress mac;
  unsigned vlan = 0, qos = 0;
  VlanProto vlan_proto = VlanProto::dot1q;
  unsigned min_rate = 0, max_rate = 0;
  std::optional<bool> spoofchk, trust, query_rss;
  LinkState link_state = LinkState::automatic;
  bool operator==(const VfSettings&) const = default;
};

struct VfState {
  unsigned index = 0;
  VfSettings settings;
};

// Groups of attributes that travel together in one netlink attribute.
enum VfField : unsigned {
  kFieldMac = 1u << 0,
  kFieldVlan = 1u << 1,  // vlan, qos and protocol
  kFieldRate = 1u << 2,  // min and max rate, always both (libnl zeroes an unset bound)
  kFieldSpoofchk = 1u << 3,
  kFieldLinkState = 1u << 4,
  kFieldQueryRss = 1u << 5,
  kFieldTrust = 1u << 6,
};

// One VF's change: the full values before and after for the groups in `fields`.
struct VfChange {
  unsigned index = 0;
  VfSettings before, after;
  unsigned fields = 0;
};

// Merges config into the current settings; the result's fields are the groups that differ.
// mac_offset: for mac_from, this VF's position in the range.
Result<VfChange> diff(const VfState& current, const VfConfig& config, unsigned mac_offset);

// The values of a change that differ, by key ("vlan-id", "0", "100"), in describe_change's order.
struct FieldChange {
  const char* key;
  std::string from, to;
};
std::vector<FieldChange> field_changes(const VfChange& change);
// "vlan-id 0 -> 100, qos 0 -> 3" for the fields of a change.
std::string describe_change(const VfChange& change);
// Field names of a group mask: "mac-address, vlan-id/qos/vlan-proto".
std::string field_names(unsigned fields);
// The groups a config touches, and the config as KEY=VALUE text ("vlan-id=100 qos=3").
unsigned config_fields(const VfConfig& config);
std::string describe_config(const VfConfig& config, unsigned mac_offset);

// Differences between what was asked (change.after) and what the kernel reports, per field:
// "max-tx-rate asked 70000, reads 4464". Empty when everything matches.
std::vector<std::string> verify(const VfChange& change, const VfSettings& now);

}  // namespace sriov
