#include "api/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace dsr::api {

namespace {
// Field names are ASCII tokens (RFC 9110 5.1): fold A-Z alone, without
// std::tolower's locale lookup per character (a per-request cost in the
// profile, since every header lookup compares names).
constexpr unsigned char ascii_lower(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 'A' && u <= 'Z' ? static_cast<unsigned char>(u + ('a' - 'A')) : u;
}
}  // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return ascii_lower(x) < ascii_lower(y); });
}

HttpResponse head_answer(HttpResponse get) {
  if (!get.head_of_length) get.head_of_length = get.body.size();
  get.body.clear();
  return get;
}

std::string_view to_string(ClientCertificate::Verdict verdict) {
  using V = ClientCertificate::Verdict;
  switch (verdict) {
    case V::none: return "none";
    case V::verified: return "verified";
    case V::expired: return "expired";
    case V::not_yet_valid: return "not_yet_valid";
    case V::revoked: return "revoked";
    case V::untrusted: return "untrusted";
    case V::revocation_unknown: return "revocation_unknown";
  }
  return "none";
}

std::string_view HttpRequest::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string HttpRequest::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::optional<std::string> url_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c == '%') {
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        h = static_cast<char>(std::tolower(static_cast<unsigned char>(h)));
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        return -1;
      };
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> HttpRequest::query() const {
  std::map<std::string, std::string> out;
  auto q = std::string_view(target);
  auto mark = q.find('?');
  if (mark == std::string_view::npos) return out;
  q.remove_prefix(mark + 1);
  while (!q.empty()) {
    auto amp = q.find('&');
    auto pair = q.substr(0, amp);
    auto eq = pair.find('=');
    auto key = url_decode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("") : url_decode(pair.substr(eq + 1), true);
    if (key && value && !key->empty()) out[*key] = *value;
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace dsr::api
