#include "api/problem.hpp"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace dsr::api {

namespace text {
const Text kBadRequest{"Permintaan tidak dapat dibaca", "The request cannot be read"};
const Text kUnauthorized{"Kredensial tidak ada atau tidak sah", "Missing or invalid credentials"};
const Text kForbidden{"Tidak diizinkan", "Not allowed"};
const Text kNotFound{"Tidak ditemukan", "Not found"};
const Text kConflict{"Konflik dengan keadaan saat ini", "Conflict with the current state"};
const Text kTooLarge{"Isi permintaan terlalu besar", "Request body too large"};
const Text kHeadersTooLarge{"Header permintaan terlalu besar", "Request header fields too large"};
const Text kExpectationFailed{"Harapan (Expect) tidak dapat dipenuhi", "Expectation failed"};
const Text kMalformedJson{"Isi permintaan bukan JSON", "Malformed JSON"};
const Text kInvalid{"Isian tidak valid", "Invalid fields"};
const Text kRateLimited{"Terlalu banyak permintaan; coba lagi nanti", "Too many requests; try again later"};
const Text kUnavailable{"Layanan sementara tidak tersedia", "Service temporarily unavailable"};
const Text kInternal{"Kesalahan internal", "Internal error"};
const Text kMethodNotAllowed{"Metode tidak diizinkan untuk alamat ini", "Method not allowed for this path"};
const Text kRequired{"wajib diisi", "is required"};
const Text kNotString{"harus berupa teks", "must be a string"};
const Text kNotObject{"harus berupa objek JSON", "must be a JSON object"};
const Text kNotArray{"harus berupa daftar (array)", "must be an array"};
const Text kNotInteger{"harus berupa bilangan bulat", "must be a whole number"};
const Text kNotBoolean{"harus true atau false", "must be true or false"};
const Text kUnknownField{"kolom tidak dikenal", "unknown field"};
const Text kNotJson{"isi permintaan bukan JSON yang valid", "the body is not valid JSON"};
const Text kDuplicateKey{"kolom ini muncul lebih dari sekali", "this field appears more than once"};
const Text kControlCharacter{"berisi karakter kontrol", "contains a control character"};
const Text kTooLong{"terlalu panjang", "is too long"};
const Text kNikShape{"NIK harus 16 digit dengan kode wilayah dan tanggal lahir yang masuk akal",
                     "a NIK is 16 digits with a plausible region code and birth date"};
const Text kNipShape{"NIP harus 18 digit dengan tanggal lahir dan TMT yang masuk akal",
                     "a NIP is 18 digits with a plausible birth date and appointment date"};
const Text kEmailShape{"alamat e-mail tidak valid", "not a valid e-mail address"};
const Text kPhoneShape{"nomor telepon tidak valid (contoh: +6281234567890)", "not a valid phone number (e.g. +6281234567890)"};
const Text kOneOf{"harus salah satu dari", "must be one of"};
const Text kEmpty{"tidak boleh kosong", "must not be empty"};
const Text kCodeShape{"kode harus 6 digit", "the code is 6 digits"};
const Text kWrongCode{"kode salah", "wrong code"};
}  // namespace text

Locale locale_of(const HttpRequest& request) {
  auto q = request.query();
  if (auto it = q.find("lang"); it != q.end()) return it->second == "en" ? Locale::en : Locale::id;
  std::string accept = request.header("Accept-Language");
  // The first language listed decides; anything but English is Indonesian.
  auto first = std::string_view(accept).substr(0, accept.find_first_of(",;"));
  while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
  if (first.starts_with("en")) return Locale::en;
  return Locale::id;
}

std::string_view to_string(Locale locale) { return locale == Locale::en ? "en" : "id"; }

std::optional<Locale> parse_locale(std::string_view name) {
  if (name == "id") return Locale::id;
  if (name == "en") return Locale::en;
  return std::nullopt;
}

// `text` as valid UTF-8, each byte that does not begin a well-formed
// sequence (RFC 3629) replaced by U+FFFD. A detail may quote the path or a
// query parameter, which the transport passes on as bytes; JSON must be
// UTF-8 (RFC 8259), and strict clients refuse the whole answer otherwise.
std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char c = byte(i);
    std::size_t n = 0;
    unsigned char low = 0x80, high = 0xBF;  // the second byte's range
    if (c < 0x80) {
      n = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) low = 0xA0;   // no overlong forms
      if (c == 0xED) high = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;  // nothing past U+10FFFF
    }
    bool ok = n > 0 && i + n <= text.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      unsigned char next = byte(i + k);
      ok = k == 1 ? (next >= low && next <= high) : (next >= 0x80 && next <= 0xBF);
    }
    if (ok) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

HttpResponse json_response(int status, const boost::json::value& body) {
  HttpResponse r;
  r.status = status;
  r.body = boost::json::serialize(body);
  return r;
}

HttpResponse problem(int status, std::string_view kind, std::string_view title, std::string_view detail,
                     const std::vector<FieldError>& errors, boost::json::object extra) {
  boost::json::object body = std::move(extra);
  body["type"] = fmt::format("urn:dsr:problem:{}", kind);
  body["title"] = valid_utf8(title);
  body["status"] = status;
  body["detail"] = valid_utf8(detail);
  if (!errors.empty()) {
    boost::json::array list;
    for (const auto& e : errors)
      list.push_back(boost::json::object{{"field", valid_utf8(e.field)}, {"message", valid_utf8(e.message)}});
    body["errors"] = std::move(list);
  }
  HttpResponse r = json_response(status, body);
  r.content_type = "application/problem+json; charset=utf-8";
  return r;
}

HttpResponse problem_for(const Error& error, Locale l) {
  switch (error.code) {
    case ErrorCode::invalid_argument:
      return problem(422, error.kind.empty() ? "invalid" : error.kind, text::kInvalid.in(l), error.message);
    case ErrorCode::not_found: return problem(404, "not_found", text::kNotFound.in(l), error.message);
    case ErrorCode::conflict:
      return problem(409, error.kind.empty() ? "conflict" : error.kind, text::kConflict.in(l), error.message);
    case ErrorCode::forbidden:
      return problem(403, error.kind.empty() ? "forbidden" : error.kind, text::kForbidden.in(l), error.message);
    case ErrorCode::unavailable: {
      HttpResponse r = problem(503, "unavailable", text::kUnavailable.in(l), error.message);
      r.headers.emplace_back("Retry-After", "5");
      return r;
    }
    case ErrorCode::internal: break;
  }
  return problem(500, "internal", text::kInternal.in(l), error.message);
}

HttpResponse validation_problem(Locale l, const std::vector<FieldError>& errors) {
  std::string detail = errors.size() == 1 ? fmt::format("{}: {}", errors[0].field, errors[0].message)
                                          : fmt::format("{} {}", errors.size(), l == Locale::en ? "fields are invalid" : "isian tidak valid");
  return problem(422, "validation", text::kInvalid.in(l), detail, errors);
}

}  // namespace dsr::api
