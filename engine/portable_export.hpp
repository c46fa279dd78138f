// The portability export (UU PDP Pasal 13, GDPR Art. 20): the subject's
// data on file in a structured, commonly used, machine-readable form. The
// same content is served to the subject (signed, GET /v1/requests/{id}/result)
// and transmitted to another controller the subject names (a recipient
// notice), so both are built here.
#pragma once

#include <boost/json/object.hpp>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "engine/subject_vault.hpp"
#include "engine/time.hpp"

namespace dsr {

inline constexpr std::string_view kPortableExportFormat = "dsr-portable-export/v1";

// The record's own fields as categories; a further category is named
// "categories.<name>".
inline constexpr std::array<std::string_view, 9> kRecordFieldCategories{
    "name", "nik", "nip", "organization", "unit", "position", "email", "phone", "face_photo"};
bool is_record_category(std::string_view category);

// The categories of data the record holds, named as restrictions and
// corrections name them: its fields (face_photo for the photo's
// reference) and "categories.<name>" for each further category.
std::vector<std::string> record_categories(const SubjectRecord& record);

// The record as JSON: every field, and the further categories held.
boost::json::object record_json(const SubjectRecord& record);

// Only the fields of `categories` (named as record_categories names them),
// those the record holds: what a release to an authority carries.
boost::json::object record_excerpt(const SubjectRecord& record, const std::vector<std::string>& categories);

// The export document (without a signature): its format, the request, when
// it was made, and the record.
boost::json::object portable_export(const SubjectRecord& record, std::string_view request_id, TimePoint generated_at);

// The record as CSV (RFC 4180): a header "field,value", then one row per
// field, further categories as "categories.<name>"; CRLF line ends.
std::string portable_csv(const SubjectRecord& record);

}  // namespace dsr
