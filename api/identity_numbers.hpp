// Shape checks for Indonesian identity numbers. They catch typing errors
// and nonsense early; they do not prove that a number was ever issued.
//  - NIK (Nomor Induk Kependudukan), 16 digits: province (2), regency (2),
//    district (2), birth date DDMMYY with 40 added to the day for women,
//    serial (4, not 0000).
//  - NIP (Nomor Induk Pegawai), 18 digits: birth date YYYYMMDD, appointment
//    YYYYMM, sex (1 or 2), serial (3, not 000).
#pragma once

#include <string_view>

namespace dsr::api {

bool plausible_nik(std::string_view nik);
bool plausible_nip(std::string_view nip);
bool plausible_email(std::string_view email);
bool plausible_phone(std::string_view phone);

}  // namespace dsr::api
