#include "storage/sealed_change.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "storage/registries.hpp"
#include "storage/sqlite_values.hpp"

namespace dsr::storage {

Bytes idempotency_key_hash(const MasterKey& keys, std::string_view key) {
  return keyed_hash(keys.token_hash(), "idempotency:" + std::string(key));
}

std::string idempotent_reply_context(const Bytes& key_hash) { return "dsr/idempotent-reply/v1/" + to_hex(key_hash); }

SealedFiling seal_filing(const MasterKey& keys, const std::string& request_id, const Filing& f) {
  SealedFiling out;
  if (!f.tracking_token.empty()) out.tracking_hash = keyed_hash(keys.token_hash(), "tracking:" + f.tracking_token);
  if (!f.details_json.empty()) out.details = seal(keys.details(), as_bytes(f.details_json), request_details_context(request_id));
  if (!f.idempotency_key.empty()) {
    out.idempotency_key_hash = idempotency_key_hash(keys, f.idempotency_key);
    out.request_digest = Bytes(f.request_digest.begin(), f.request_digest.end());
    out.response = seal(keys.details(), as_bytes(f.response), idempotent_reply_context(out.idempotency_key_hash));
  }
  if (!f.code.empty()) {
    out.code_hash = verification_code_hash(keys, request_id, f.code);
    out.code_expires_at = unix_seconds(f.code_expires_at);
    out.code_attempts = f.code_attempts;
  }
  return out;
}

std::string message_context(std::string_view request_id, std::int64_t seq) {
  return fmt::format("dsr/request-message/v1/{}/{}", request_id, seq);
}

std::string recipient_notice_context(std::string_view id) { return fmt::format("dsr/recipient-notification/v1/{}", id); }

SealedNotice seal_recipient_notice(const MasterKey& keys, const RequestHeader& request, const std::string& nik,
                                   const std::string& changes_json, const std::string& fields_json) {
  std::string payload = boost::json::serialize(boost::json::object{{"nik", nik},
                                                                   {"type", request.type},
                                                                   {"changes", boost::json::parse(changes_json)},
                                                                   {"fields", boost::json::parse(fields_json)}});
  SealedNotice out{"n-" + random_id(12), {}};
  out.payload = seal(keys.details(), as_bytes(payload), recipient_notice_context(out.id));
  return out;
}

std::string request_details_context(std::string_view request_id) {
  return fmt::format("dsr/request-details/v1/{}", request_id);
}

}  // namespace dsr::storage
