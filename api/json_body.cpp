#include "api/json_body.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <vector>

namespace dsr::api {
namespace {

constexpr std::size_t kMaxDepth = 16;  // no request of the API nests deeper

// Boost.JSON keeps the last of two equal keys; a client (or a proxy that
// checked the first) must not be able to say two things at once, so a
// body with a key twice in one object is refused. This handler only
// watches keys; the body is parsed into values afterwards.
class DuplicateKeys {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::string duplicate;  // the path of the first key seen twice, or empty

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code&) {
    objects_.push_back({path(), {}});
    return true;
  }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    objects_.pop_back();
    return true;
  }
  bool on_array_begin(boost::system::error_code&) { return true; }
  bool on_array_end(std::size_t, boost::system::error_code&) { return true; }
  bool on_key_part(boost::json::string_view part, std::size_t, boost::system::error_code&) {
    key_.append(part.data(), part.size());
    return true;
  }
  bool on_key(boost::json::string_view part, std::size_t, boost::system::error_code&) {
    key_.append(part.data(), part.size());
    bool fresh = objects_.back().keys.insert(key_).second;
    if (!fresh && duplicate.empty()) duplicate = objects_.back().path.empty() ? key_ : objects_.back().path + "." + key_;
    last_key_ = std::move(key_);
    key_.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_string(boost::json::string_view, std::size_t, boost::system::error_code&) { return true; }
  bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t, boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_uint64(std::uint64_t, boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_double(double, boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_bool(bool, boost::system::error_code&) { return true; }
  bool on_null(boost::system::error_code&) { return true; }
  bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

 private:
  // The path of a value about to begin: its object's path and the key just
  // read (arrays are not named: no request has objects inside arrays that
  // could hold duplicates worth a finer path).
  std::string path() const {
    if (objects_.empty()) return "";
    return objects_.back().path.empty() ? last_key_ : objects_.back().path + "." + last_key_;
  }

  struct Object {
    std::string path;
    std::set<std::string> keys;
  };
  std::vector<Object> objects_;
  std::string key_, last_key_;
};

std::string duplicate_key_in(std::string_view body) {
  boost::json::parse_options options;
  options.max_depth = kMaxDepth;
  boost::json::basic_parser<DuplicateKeys> watcher(options);
  boost::system::error_code ec;
  watcher.write_some(false, body.data(), body.size(), ec);
  return ec ? std::string() : watcher.handler().duplicate;  // a syntax error is reported by the parse proper
}

// Where a body that is not JSON broke: the bytes a parser took before it
// stopped (at the error; or, after a first value, at what follows it).
std::size_t broken_at(std::string_view body) {
  boost::json::parse_options options;
  options.max_depth = kMaxDepth;
  boost::json::basic_parser<DuplicateKeys> reader(options);
  boost::system::error_code ec;
  std::size_t used = reader.write_some(false, body.data(), body.size(), ec);
  return used;
}

// JSON that is well-formed but past what dsr reads (nested too deep, a
// number or a string too large): the request is understood and refused, 422.
bool past_a_limit(const boost::system::error_code& ec) {
  using boost::json::error;
  return ec == error::too_deep || ec == error::exponent_overflow || ec == error::object_too_large ||
         ec == error::array_too_large || ec == error::key_too_large || ec == error::string_too_large;
}

// A body that is not JSON at all: 400, saying where it broke (line and
// column count from 1, in bytes; offset from 0), so that a client can find
// its mistake.
HttpResponse malformed(std::string_view body, std::size_t offset, const boost::system::error_code& ec, Locale l) {
  offset = std::min(offset, body.size());
  std::string_view before = body.substr(0, offset);
  std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  std::size_t line_start = before.rfind('\n');
  std::size_t column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  std::string where = l == Locale::en ? fmt::format("at line {}, column {} (byte {})", line, column, offset)
                                      : fmt::format("pada baris {}, kolom {} (byte {})", line, column, offset);
  return problem(400, "malformed_json", text::kMalformedJson.in(l),
                 fmt::format("{}: {} {}", text::kNotJson.in(l), ec.message(), where),
                 {}, {{"line", line}, {"column", column}, {"offset", offset}});
}

}  // namespace

std::variant<boost::json::object, HttpResponse> parse_object_body(const HttpRequest& request, Locale l) {
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = kMaxDepth;
  const std::string& body = request.body;
  auto value = boost::json::parse(body, ec, {}, options);
  if (ec && past_a_limit(ec))
    return problem(422, "validation", text::kInvalid.in(l), fmt::format("{} ({})", text::kNotJson.in(l), ec.message()),
                   {{"", std::string(text::kNotJson.in(l))}});
  if (ec) return malformed(body, broken_at(body), ec, l);
  if (std::string twice = duplicate_key_in(request.body); !twice.empty())
    return problem(422, "validation", text::kInvalid.in(l), fmt::format("{}: {}", twice, text::kDuplicateKey.in(l)),
                   {{twice, std::string(text::kDuplicateKey.in(l))}});
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
  // Control characters have no place in a name, an address or a message
  // (they break logs, CSV and terminals); tab and line breaks do.
  if (std::any_of(s.begin(), s.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7f;
      })) {
    error(key, text::kControlCharacter.in(locale_));
    return std::nullopt;
  }
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

std::optional<TimePoint> BodyReader::instant(std::string_view key, bool required) {
  auto text = string(key, required, 40);
  if (!text) return std::nullopt;
  auto t = parse_rfc3339(*text);
  if (!t) error(key, locale_ == Locale::en ? "an RFC 3339 time with an offset" : "waktu RFC 3339 dengan zona");
  return t;
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
