#include "sriov/json_text.hpp"

#include "sriov/text.hpp"

namespace sriov {

void make_utf8(nlohmann::json& value) {
  if (value.is_string()) {
    auto& s = value.get_ref<std::string&>();
    if (!valid_utf8(s)) s = escape(s);
  } else if (value.is_array()) {
    for (auto& item : value) make_utf8(item);
  } else if (value.is_object()) {
    bool bad_key = false;
    for (auto& [key, item] : value.items()) {
      make_utf8(item);
      bad_key = bad_key || !valid_utf8(key);
    }
    if (!bad_key) return;
    nlohmann::json fixed = nlohmann::json::object();
    for (auto& [key, item] : value.items()) fixed[escape(key)] = std::move(item);
    value = std::move(fixed);
  }
}

std::string dump_utf8(const nlohmann::json& value, int indent) {
  // The common case (all UTF-8) costs one dump: the copy is made only when dump refuses.
  try {
    return value.dump(indent);
  } catch (const nlohmann::json::type_error&) {
    nlohmann::json copy = value;
    make_utf8(copy);
    return copy.dump(indent);
  }
}

nlohmann::json holders_json(const std::vector<Holder>& holders) {
  nlohmann::json held = nlohmann::json::array();
  for (const auto& h : holders) held.push_back({{"pid", h.pid}, {"comm", h.comm}, {"path", h.path}});
  return held;
}

}  // namespace sriov
