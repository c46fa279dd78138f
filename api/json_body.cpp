#include "api/json_body.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

namespace dsr::api {

std::variant<boost::json::object, HttpResponse> parse_object_body(const HttpRequest& request, Locale l) {
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 16;  // no request of the API nests deeper
  auto value = boost::json::parse(request.body, ec, {}, options);
  if (ec) return problem(422, "validation", text::kInvalid.in(l), fmt::format("{} ({})", text::kNotJson.in(l), ec.message()),
                         {{"", std::string(text::kNotJson.in(l))}});
  if (!value.is_object())
    return problem(422, "validation", text::kInvalid.in(l), std::string(text::kNotObject.in(l)),
                   {{"", std::string(text::kNotObject.in(l))}});
  return std::move(value.as_object());
}

BodyReader::BodyReader(const boost::json::object& object, std::string prefix, Locale locale,
                       std::vector<FieldError>& errors)
    : object_(object), prefix_(std::move(prefix)), locale_(locale), errors_(errors) {}

BodyReader::~BodyReader() {
  for (const auto& [key, unused] : object_)
    if (!seen_.contains(std::string_view(key))) error(key, text::kUnknownField.in(locale_));
}

std::string BodyReader::path(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : fmt::format("{}.{}", prefix_, key);
}

void BodyReader::error(std::string_view key, std::string_view message) {
  errors_.push_back({path(key), std::string(message)});
}

const boost::json::value* BodyReader::find(std::string_view key, bool required) {
  seen_.emplace(key);
  const auto* v = object_.if_contains(key);
  if ((v == nullptr || v->is_null()) && required) error(key, text::kRequired.in(locale_));
  if (v != nullptr && v->is_null()) return nullptr;
  return v;
}

std::optional<std::string> BodyReader::string(std::string_view key, bool required, std::size_t max_length) {
  const auto* v = find(key, required);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    error(key, text::kNotString.in(locale_));
    return std::nullopt;
  }
  std::string s(v->get_string());
  if (s.size() > max_length) {
    error(key, text::kTooLong.in(locale_));
    return std::nullopt;
  }
  if (required && s.find_first_not_of(" \t\r\n") == std::string::npos) {
    error(key, text::kEmpty.in(locale_));
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> BodyReader::integer(std::string_view key, bool required) {
  const auto* v = find(key, required);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  error(key, text::kNotInteger.in(locale_));
  return std::nullopt;
}

std::optional<bool> BodyReader::boolean(std::string_view key, bool required) {
  const auto* v = find(key, required);
  if (v == nullptr) return std::nullopt;
  if (v->is_bool()) return v->get_bool();
  error(key, text::kNotBoolean.in(locale_));
  return std::nullopt;
}

const boost::json::object* BodyReader::object(std::string_view key, bool required) {
  const auto* v = find(key, required);
  if (v == nullptr) return nullptr;
  if (!v->is_object()) {
    error(key, text::kNotObject.in(locale_));
    return nullptr;
  }
  return &v->get_object();
}

const boost::json::array* BodyReader::array(std::string_view key, bool required) {
  const auto* v = find(key, required);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    error(key, text::kNotArray.in(locale_));
    return nullptr;
  }
  return &v->get_array();
}

std::optional<std::string> BodyReader::one_of(std::string_view key, bool required,
                                              const std::vector<std::string>& choices) {
  auto s = string(key, required);
  if (!s) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *s) != choices.end()) return s;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  error(key, fmt::format("{} {}", text::kOneOf.in(locale_), list));
  return std::nullopt;
}

}  // namespace dsr::api
