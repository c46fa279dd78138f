// Reading a stored form's fields (a filing's details, decoded JSON) where a
// field may be absent or of another type: absent reads as empty. For data
// dsr wrote itself; input from callers is checked by api/json_body.hpp.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace dsr {

// A stored form (JSON text) as an object; anything else reads as empty.
inline boost::json::object object_of(std::string_view json) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(json, ec);
  return !ec && parsed.is_object() ? std::move(parsed.get_object()) : boost::json::object{};
}

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
