// Reading a JSON request body strictly: typed fields, every problem
// collected as a field error in the request's language, and unknown fields
// refused (a misspelt field must not be silently ignored).
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "engine/time.hpp"
#include "api/problem.hpp"

namespace dsr::api {

// The body as a JSON object, or the 422 problem to answer with.
std::variant<boost::json::object, HttpResponse> parse_object_body(const HttpRequest& request, Locale locale);

class BodyReader {
 public:
  BodyReader(const boost::json::object& object, std::string prefix, Locale locale, std::vector<FieldError>& errors);
  ~BodyReader();  // reports every field no accessor asked for
  BodyReader(const BodyReader&) = delete;
  BodyReader& operator=(const BodyReader&) = delete;

  std::optional<std::string> string(std::string_view key, bool required, std::size_t max_length = 500);
  std::optional<std::int64_t> integer(std::string_view key, bool required);
  std::optional<bool> boolean(std::string_view key, bool required);
  const boost::json::object* object(std::string_view key, bool required);
  const boost::json::array* array(std::string_view key, bool required);
  // An RFC 3339 time with an offset; an error names the field otherwise.
  std::optional<TimePoint> instant(std::string_view key, bool required);
  // A string from a fixed set; errors list the choices.
  std::optional<std::string> one_of(std::string_view key, bool required, const std::vector<std::string>& choices);

  std::string path(std::string_view key) const;
  void error(std::string_view key, std::string_view message);
  Locale locale() const { return locale_; }

 private:
  const boost::json::value* find(std::string_view key, bool required);

  const boost::json::object& object_;
  std::string prefix_;
  Locale locale_;
  std::vector<FieldError>& errors_;
  std::set<std::string, std::less<>> seen_;
};

}  // namespace dsr::api
