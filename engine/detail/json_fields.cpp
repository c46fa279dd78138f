#include "engine/detail/json_fields.hpp"

#include <boost/json/stream_parser.hpp>
#include <fmt/format.h>

namespace dsr {

std::string DefinitionError::to_string() const {
  if (path.empty()) return fmt::format("{}: {}", file, message);
  return fmt::format("{}: {}: {}", file, path, message);
}

namespace detail {

void Diagnostics::add(std::string path, std::string message) {
  errors_.push_back({file_, std::move(path), std::move(message)});
}

std::optional<boost::json::value> parse_json(std::string_view text, Diagnostics& diag) {
  boost::json::stream_parser parser;
  boost::system::error_code ec;
  std::size_t consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (!ec && consumed < text.size()) ec = boost::json::error::extra_data;
  if (ec) {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < consumed && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    diag.add("", fmt::format("not valid JSON at line {}, column {}: {}", line, column, ec.message()));
    return std::nullopt;
  }
  return parser.release();
}

std::string_view json_kind(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "a number";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
  }
  return "something else";
}

ObjectReader::ObjectReader(const boost::json::value& value, std::string path, Diagnostics& diag)
    : path_(std::move(path)), diag_(diag) {
  object_ = value.if_object();
  if (object_ == nullptr) diag_.add(path_, fmt::format("expected an object, found {}", json_kind(value)));
}

ObjectReader::~ObjectReader() {
  if (object_ == nullptr) return;
  for (const auto& [key, unused] : *object_) {
    if (!seen_.contains(std::string_view(key)))
      diag_.add(field_path(key), "unknown field (check the spelling against docs/architecture.md)");
  }
}

std::string ObjectReader::field_path(std::string_view key) const {
  return fmt::format("{}.{}", path_, key);
}

const boost::json::value* ObjectReader::find(std::string_view key, bool required) {
  if (object_ == nullptr) return nullptr;
  seen_.emplace(key);
  const boost::json::value* v = object_->if_contains(key);
  if (v == nullptr && required) diag_.add(field_path(key), "required field is missing");
  return v;
}

std::optional<std::string> ObjectReader::string(std::string_view key, bool required) {
  const boost::json::value* v = find(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    diag_.add(field_path(key), fmt::format("expected a string, found {}", json_kind(*v)));
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::optional<bool> ObjectReader::boolean(std::string_view key) {
  const boost::json::value* v = find(key, false);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) {
    diag_.add(field_path(key), fmt::format("expected true or false, found {}", json_kind(*v)));
    return std::nullopt;
  }
  return v->get_bool();
}

std::optional<std::int64_t> ObjectReader::integer(std::string_view key, bool required) {
  const boost::json::value* v = find(key, required);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  diag_.add(field_path(key), fmt::format("expected a whole number, found {}", json_kind(*v)));
  return std::nullopt;
}

const boost::json::array* ObjectReader::array(std::string_view key, bool required) {
  const boost::json::value* v = find(key, required);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    diag_.add(field_path(key), fmt::format("expected an array, found {}", json_kind(*v)));
    return nullptr;
  }
  return &v->get_array();
}

const boost::json::value* ObjectReader::value(std::string_view key, bool required) {
  return find(key, required);
}

std::optional<std::vector<std::string>> ObjectReader::strings(std::string_view key, bool required) {
  const boost::json::value* v = find(key, required);
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return std::vector<std::string>{std::string(v->get_string())};
  if (!v->is_array()) {
    diag_.add(field_path(key),
              fmt::format("expected a string or an array of strings, found {}", json_kind(*v)));
    return std::nullopt;
  }
  std::vector<std::string> out;
  const auto& items = v->get_array();
  bool good = true;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string()) {
      diag_.add(fmt::format("{}[{}]", field_path(key), i),
                fmt::format("expected a string, found {}", json_kind(items[i])));
      good = false;
      continue;
    }
    out.emplace_back(items[i].get_string());
  }
  if (!good) return std::nullopt;
  return out;
}

}  // namespace detail
}  // namespace dsr
