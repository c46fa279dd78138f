#include "storage/rights_rows.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>

#include "engine/portable_export.hpp"
#include "storage/crypto.hpp"

namespace dsr::storage {

std::string categories_text(const std::vector<std::string>& categories) {
  boost::json::array out;
  for (const auto& c : categories) out.emplace_back(c);
  return boost::json::serialize(out);
}

std::vector<std::string> categories_from_text(std::string_view text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  if (ec || !parsed.is_array()) return out;
  for (const auto& c : parsed.get_array())
    if (c.is_string()) out.emplace_back(c.get_string());
  return out;
}

Restriction merged_restriction(const std::optional<Restriction>& in_force, const Restriction& placed) {
  if (!in_force) return placed;
  Restriction out = placed;
  out.since = std::min(in_force->since, placed.since);
  if (in_force->categories.empty() || placed.categories.empty()) {
    out.categories.clear();
    return out;
  }
  for (const auto& c : in_force->categories)
    if (std::find(out.categories.begin(), out.categories.end(), c) == out.categories.end()) out.categories.push_back(c);
  std::sort(out.categories.begin(), out.categories.end());
  return out;
}

std::string notice_fields(const Fulfilment& f, const RequestHeader& request, const SubjectRecord& record, TimePoint now) {
  boost::system::error_code ec;
  auto fields = boost::json::parse(f.notice_json, ec);
  boost::json::object out = (!ec && fields.is_object()) ? fields.get_object() : boost::json::object{};
  if (f.transfer_to) out["export"] = portable_export(record, request.id, now);
  return boost::json::serialize(out);
}

Disclosure transfer_disclosure(const RequestHeader& request, const std::string& recipient_id, TimePoint at,
                               const std::string& recorded_by) {
  return Disclosure{request.subject_ref,
                    recipient_id,
                    {"name", "nik", "nip", "organization", "unit", "position", "email", "phone", "face_photo_ref",
                     "categories"},
                    "transmitted at the subject's request to the controller they named (UU PDP Pasal 13 ayat (2); "
                    "request " + request.id + ")",
                    at,
                    recorded_by,
                    ""};
}

Error no_record_to_act_on(const RequestHeader& request) {
  return Error(ErrorCode::conflict,
               fmt::format("request {}: dsr holds no record of its subject to act on (none was on file, or it was "
                           "erased); reject the request with a reason that says so", request.id),
               "no_record");
}

Error no_restriction_to_lift(const RequestHeader& request) {
  return Error(ErrorCode::conflict,
               fmt::format("request {}: no restriction is in force on the subject's record: it was lifted already",
                           request.id),
               "no_restriction");
}

std::string new_consent_id() { return "c-" + random_id(12); }
std::string new_disclosure_id() { return "d-" + random_id(12); }

}  // namespace dsr::storage
