// Strict reading of definition files: typed fields, every error collected
// with its JSON path, and unknown keys refused (a typo such as "rolse" must
// not silently drop a guard). Internal to engine/ loaders; not a public
// header of the engine.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/definition_error.hpp"

namespace dsr::detail {

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}
  void add(std::string path, std::string message);
  const std::string& file() const { return file_; }
  bool empty() const { return errors_.empty(); }
  DefinitionErrors take() { return std::move(errors_); }

 private:
  std::string file_;
  DefinitionErrors errors_;
};

// Parses JSON text; on a syntax error records "line L, column C: what" and
// returns nullopt.
std::optional<boost::json::value> parse_json(std::string_view text, Diagnostics& diag);

// JSON type names for messages ("expected a string, found a number").
std::string_view json_kind(const boost::json::value& v);

class ObjectReader {
 public:
  // Records an error if `value` is not an object; then every accessor
  // returns nothing.
  ObjectReader(const boost::json::value& value, std::string path, Diagnostics& diag);
  ~ObjectReader();  // reports keys that no accessor asked for
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;

  bool valid() const { return object_ != nullptr; }
  const std::string& path() const { return path_; }
  std::string field_path(std::string_view key) const;

  std::optional<std::string> string(std::string_view key, bool required);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, bool required);
  const boost::json::array* array(std::string_view key, bool required);
  const boost::json::value* value(std::string_view key, bool required);
  // A string or an array of strings; nullopt if absent (and not required)
  // or malformed.
  std::optional<std::vector<std::string>> strings(std::string_view key, bool required);

 private:
  const boost::json::value* find(std::string_view key, bool required);

  const boost::json::object* object_ = nullptr;
  std::string path_;
  Diagnostics& diag_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace dsr::detail
