#include "engine/portable_export.hpp"

#include "engine/csv_field.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace dsr {
namespace {

// The record's fields in the order every format lists them.
std::vector<std::pair<std::string, std::string>> fields_of(const SubjectRecord& r) {
  std::vector<std::pair<std::string, std::string>> out{
      {"name", r.name},   {"nik", r.nik},           {"nip", r.nip},     {"organization", r.organization},
      {"unit", r.unit},   {"position", r.position}, {"email", r.email}, {"phone", r.phone},
      {"face_photo_ref", r.face_photo_ref}};
  return out;
}

}  // namespace

bool is_record_category(std::string_view category) {
  if (category.starts_with("categories.")) return category.size() > std::string_view("categories.").size();
  return std::find(kRecordFieldCategories.begin(), kRecordFieldCategories.end(), category) != kRecordFieldCategories.end();
}

std::vector<std::string> record_categories(const SubjectRecord& record) {
  std::vector<std::string> out;
  for (auto& [field, value] : fields_of(record)) out.push_back(field == "face_photo_ref" ? "face_photo" : field);
  for (const auto& [name, value] : record.categories) out.push_back("categories." + name);
  return out;
}

boost::json::object record_json(const SubjectRecord& record) {
  boost::json::object out;
  for (auto& [field, value] : fields_of(record)) out[field] = value;
  boost::json::object categories;
  for (const auto& [k, v] : record.categories) categories[k] = v;
  out["categories"] = std::move(categories);
  return out;
}

boost::json::object record_excerpt(const SubjectRecord& record, const std::vector<std::string>& categories) {
  auto asked = [&](const std::string& category) {
    return std::find(categories.begin(), categories.end(), category) != categories.end();
  };
  boost::json::object out;
  for (auto& [field, value] : fields_of(record))
    if (asked(field == "face_photo_ref" ? "face_photo" : field)) out[field] = value;
  boost::json::object further;
  for (const auto& [k, v] : record.categories)
    if (asked("categories." + k)) further[k] = v;
  if (!further.empty()) out["categories"] = std::move(further);
  return out;
}

boost::json::object portable_export(const SubjectRecord& record, std::string_view request_id, TimePoint generated_at) {
  return {{"export", kPortableExportFormat},
          {"request_id", request_id},
          {"generated_at", format_rfc3339(generated_at)},
          {"subject", record_json(record)}};
}

std::string portable_csv(const SubjectRecord& record) {
  std::string out = "field,value\r\n";
  for (auto& [field, value] : fields_of(record)) out += field + "," + csv_field(value) + "\r\n";
  for (const auto& [k, v] : record.categories) out += csv_field("categories." + k) + "," + csv_field(v) + "\r\n";
  return out;
}

}  // namespace dsr
