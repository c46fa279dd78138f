#include "api/identity_numbers.hpp"

#include <algorithm>
#include <array>
#include <chrono>

namespace dsr::api {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int number(std::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

bool valid_date(int y, int m, int d) {
  return std::chrono::year_month_day{std::chrono::year{y}, std::chrono::month{static_cast<unsigned>(m)},
                                     std::chrono::day{static_cast<unsigned>(d)}}.ok();
}

int current_year() {
  return static_cast<int>(std::chrono::year_month_day{
      std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())}.year());
}

// Province codes in use (Kemendagri), including the Papuan provinces of 2022.
constexpr std::array<int, 39> kProvinces{11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33,
                                         34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65, 71, 72,
                                         73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97};

}  // namespace

bool plausible_nik(std::string_view nik) {
  if (nik.size() != 16 || !all_digits(nik)) return false;
  if (std::find(kProvinces.begin(), kProvinces.end(), number(nik.substr(0, 2))) == kProvinces.end()) return false;
  if (number(nik.substr(2, 2)) == 0 || number(nik.substr(4, 2)) == 0) return false;
  int day = number(nik.substr(6, 2));
  if (day > 40) day -= 40;
  int month = number(nik.substr(8, 2));
  int yy = number(nik.substr(10, 2));
  // Two-digit year: either century may hold; the date must exist in one.
  if (!valid_date(2000 + yy, month, day) && !valid_date(1900 + yy, month, day)) return false;
  return number(nik.substr(12, 4)) != 0;
}

bool plausible_nip(std::string_view nip) {
  if (nip.size() != 18 || !all_digits(nip)) return false;
  int birth_year = number(nip.substr(0, 4));
  if (birth_year < 1930 || birth_year > current_year() - 15) return false;
  if (!valid_date(birth_year, number(nip.substr(4, 2)), number(nip.substr(6, 2)))) return false;
  int appointed_year = number(nip.substr(8, 4));
  int appointed_month = number(nip.substr(12, 2));
  if (appointed_year < birth_year + 15 || appointed_year > current_year() + 1) return false;
  if (appointed_month < 1 || appointed_month > 12) return false;
  if (nip[14] != '1' && nip[14] != '2') return false;
  return number(nip.substr(15, 3)) != 0;
}

bool plausible_email(std::string_view email) {
  auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) return false;
  auto domain = email.substr(at + 1);
  auto dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 2 > domain.size()) return false;
  return std::none_of(email.begin(), email.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n'; }) &&
         email.size() <= 254;
}

bool plausible_phone(std::string_view phone) {
  if (phone.starts_with('+')) phone.remove_prefix(1);
  return phone.size() >= 8 && phone.size() <= 15 && all_digits(phone);
}

}  // namespace dsr::api
