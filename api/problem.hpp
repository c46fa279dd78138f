// Answers in JSON, and errors as RFC 9457 problem+json: type, title,
// status, detail, and for invalid input a list of field errors. Titles and
// field messages follow the request's language: Indonesian by default,
// English with "Accept-Language: en" (or ?lang=en).
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <vector>

#include "api/http_message.hpp"
#include "engine/result.hpp"

namespace dsr::api {

enum class Locale { id, en };

Locale locale_of(const HttpRequest& request);
std::string_view to_string(Locale locale);
// "id" or "en" (a command-line option); nullopt for anything else.
std::optional<Locale> parse_locale(std::string_view name);

// A message in both languages; the catalog lives in messages.cpp.
struct Text {
  std::string_view id;
  std::string_view en;
  std::string_view in(Locale l) const { return l == Locale::en ? en : id; }
};

struct FieldError {
  std::string field;    // JSON path of the field, e.g. "subject.nik"
  std::string message;  // in the request's language
};

// `text` as valid UTF-8, each byte that does not begin a well-formed
// sequence (RFC 3629) replaced by U+FFFD (so: valid if unchanged).
std::string valid_utf8(std::string_view text);

HttpResponse json_response(int status, const boost::json::value& body);

// `kind` names the problem ("validation", "four_eyes_violated", ...).
HttpResponse problem(int status, std::string_view kind, std::string_view title, std::string_view detail,
                     const std::vector<FieldError>& errors = {}, boost::json::object extra = {});

// The problem for an engine error: 404, 409, 403, 422, 503 or 500.
HttpResponse problem_for(const Error& error, Locale locale);

HttpResponse validation_problem(Locale locale, const std::vector<FieldError>& errors);

namespace text {
extern const Text kBadRequest, kUnauthorized, kForbidden, kNotFound, kConflict, kTooLarge, kInvalid, kRateLimited,
    kUnavailable, kInternal, kMethodNotAllowed, kRequired, kNotString, kNotObject, kNotArray, kNotInteger,
    kUnknownField, kNotJson, kTooLong, kNikShape, kNipShape, kEmailShape, kPhoneShape, kOneOf, kEmpty, kCodeShape,
    kWrongCode, kNotBoolean, kDuplicateKey, kControlCharacter, kHeadersTooLarge, kMalformedJson, kExpectationFailed;
}  // namespace text

}  // namespace dsr::api
