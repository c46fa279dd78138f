// Reading a stored form's fields (a filing's details, decoded JSON) where a
// field may be absent or of another type: absent reads as empty. For data
// dsr wrote itself; input from callers is checked by api/json_body.hpp.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace dsr {

inline std::string text_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The strings of an array field, skipping anything else.
inline std::vector<std::string> texts_of(const boost::json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* v = o.if_contains(key); v && v->is_array())
    for (const auto& item : v->get_array())
      if (item.is_string()) out.emplace_back(item.get_string());
  return out;
}

}  // namespace dsr
