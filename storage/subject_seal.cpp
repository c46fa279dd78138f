#include "storage/subject_seal.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace dsr::storage {
namespace {

std::string key_context(std::string_view ref) { return fmt::format("dsr/subject-key/v1/{}", ref); }
std::string record_context(std::string_view ref) { return fmt::format("dsr/subject-record/v1/{}", ref); }

std::string normalized_email(std::string_view email) {
  std::string out;
  for (char c : email)
    if (!std::isspace(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string digits_only(std::string_view text) {
  std::string out;
  for (char c : text)
    if (std::isdigit(static_cast<unsigned char>(c))) out += c;
  return out;
}

std::string to_json(const SubjectRecord& r) {
  boost::json::object o;
  o["name"] = r.name;
  o["nik"] = r.nik;
  o["nip"] = r.nip;
  o["organization"] = r.organization;
  o["unit"] = r.unit;
  o["position"] = r.position;
  o["email"] = r.email;
  o["phone"] = r.phone;
  o["face_photo_ref"] = r.face_photo_ref;
  boost::json::object categories;
  for (const auto& [k, v] : r.categories) categories[k] = v;
  o["categories"] = std::move(categories);
  return boost::json::serialize(o);
}

Result<SubjectRecord> from_json(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return fail(Error::internal("a vault record does not parse"));
  const auto& o = v.get_object();
  auto field = [&](const char* key) -> std::string {
    const auto* f = o.if_contains(key);
    return f && f->is_string() ? std::string(f->get_string()) : std::string();
  };
  SubjectRecord r{field("name"), field("nik"), field("nip"), field("organization"), field("unit"),
                  field("position"), field("email"), field("phone"), field("face_photo_ref"), {}};
  if (const auto* c = o.if_contains("categories"); c && c->is_object())
    for (const auto& [k, val] : c->get_object())
      if (val.is_string()) r.categories.emplace(std::string(k), std::string(val.get_string()));
  return r;
}

}  // namespace

Bytes nik_index_of(const MasterKey& keys, std::string_view nik) {
  return keyed_hash(keys.blind_index(), "nik:" + digits_only(nik));
}

Bytes email_index_of(const MasterKey& keys, std::string_view email) {
  return keyed_hash(keys.blind_index(), "email:" + normalized_email(email));
}

Bytes organization_index_of(const MasterKey& keys, std::string_view organization) {
  return keyed_hash(keys.blind_index(), "organization:" + std::string(organization));
}

Result<Wrapped> rewrap_data_key(const MasterKey& keys, std::string_view ref, std::string_view wrap_key_id,
                                const Bytes& wrapped) {
  auto key = keys.unwrap(wrap_key_id, wrapped, key_context(ref));
  if (!key)
    return fail(Error::internal(fmt::format("the data key of subject {} does not open: {}", ref, key.error().message)));
  Wrapped out = keys.wrap(*key, key_context(ref));
  std::fill(key->begin(), key->end(), 0);
  return out;
}

Result<SubjectRecord> open_record(const MasterKey& keys, std::string_view ref, std::string_view wrap_key_id,
                                  const Bytes& wrapped, const Bytes& sealed) {
  auto key = keys.unwrap(wrap_key_id, wrapped, key_context(ref));
  if (!key || key->size() != kKeySize)
    return fail(Error::internal(fmt::format("the data key of subject {} does not open: {}", ref,
                                            key ? "wrong size" : key.error().message)));
  Key k{};
  std::copy(key->begin(), key->end(), k.begin());
  SecretKey data_key(k);
  std::fill(key->begin(), key->end(), 0);
  auto plaintext = unseal(data_key, sealed, record_context(ref));
  if (!plaintext)
    return fail(Error::internal(fmt::format("the record of subject {} does not open: {}", ref, plaintext.error().message)));
  auto record = from_json(std::string_view(reinterpret_cast<const char*>(plaintext->data()), plaintext->size()));
  std::fill(plaintext->begin(), plaintext->end(), 0);
  return record;
}


bool is_nik(std::string_view nik) { return nik.size() == 16 && digits_only(nik).size() == 16; }

SealedRecord seal_record(const MasterKey& keys, std::string_view ref, const SubjectRecord& record) {
  SealedRecord out;
  SecretKey data_key(random_key());
  Wrapped wrapped = keys.wrap(data_key.bytes(), key_context(ref));
  out.wrap_key_id = std::move(wrapped.key_id);
  out.wrapped_key = std::move(wrapped.sealed);
  std::string plaintext = to_json(record);
  out.record = seal(data_key, as_bytes(plaintext), record_context(ref));
  std::fill(plaintext.begin(), plaintext.end(), '\0');
  out.nik_index = nik_index_of(keys, record.nik);
  if (!record.email.empty()) out.email_index = email_index_of(keys, record.email);
  if (!record.organization.empty()) out.organization_index = organization_index_of(keys, record.organization);
  return out;
}

std::string* record_field(SubjectRecord& r, std::string_view field) {
  if (field == "name") return &r.name;
  if (field == "nik") return &r.nik;
  if (field == "nip") return &r.nip;
  if (field == "organization") return &r.organization;
  if (field == "unit") return &r.unit;
  if (field == "position") return &r.position;
  if (field == "email") return &r.email;
  if (field == "phone") return &r.phone;
  if (field == "face_photo") return &r.face_photo_ref;
  return nullptr;
}

}  // namespace dsr::storage
