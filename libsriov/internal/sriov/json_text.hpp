#pragma once
// JSON needs UTF-8; names, paths and arguments are bytes. The one rule for JSON this tree
// writes (--json output, journal records): a string that is not UTF-8 has its stray bytes
// written as \xNN (sriov::escape), instead of nlohmann::json throwing from dump().

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "sriov/holders.hpp"

namespace sriov {

void make_utf8(nlohmann::json& value);

// dump() of a copy made UTF-8: never throws for bad bytes.
std::string dump_utf8(const nlohmann::json& value, int indent = -1);

// The processes holding a device through VFIO, as every JSON output names them (show,
// list --tree, publish json): [{"pid", "comm", "path"}, ...].
nlohmann::json holders_json(const std::vector<Holder>& holders);

}  // namespace sriov
