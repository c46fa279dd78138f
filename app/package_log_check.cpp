#include "app/package_log_check.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "engine/merkle.hpp"
#include "storage/log_key.hpp"
#include "storage/package_signer.hpp"

namespace dsr::app {

Result<PackageLogCheck> check_package_log(const boost::json::object& package,
                                         const std::vector<std::string>& verifier_keys) {
  auto malformed = [](std::string what) { return fail(Error::invalid_argument("audit_log: " + what)); };
  const auto* log = package.if_contains("audit_log");
  if (log == nullptr || !log->is_object()) return malformed("missing");
  const auto* note = log->as_object().if_contains("checkpoint");
  const auto* entries = log->as_object().if_contains("entries");
  if (note == nullptr || !note->is_string() || entries == nullptr || !entries->is_array())
    return malformed("needs a checkpoint and entries");
  auto signed_by = storage::open_checkpoint_among(std::string_view(note->as_string()), verifier_keys);
  if (!signed_by) return fail(Error::forbidden("audit_log: the checkpoint: " + signed_by.error().message));
  const storage::Checkpoint* checkpoint = &signed_by->checkpoint;
  std::string request_id = package.contains("request_id") && package.at("request_id").is_string()
                               ? std::string(package.at("request_id").as_string()) : "";
  PackageLogCheck out;
  out.checkpoint_size = checkpoint->size;
  out.verifier_key = signed_by->verifier_key;
  for (const auto& item : entries->as_array()) {
    const auto* e = item.if_object();
    if (e == nullptr || !e->contains("leaf") || !e->contains("proof") || !e->contains("sequence") ||
        !e->at("leaf").is_string() || !e->at("proof").is_string() || !e->at("sequence").is_int64())
      return malformed("an entry needs leaf, proof and sequence");
    std::int64_t sequence = e->at("sequence").as_int64();
    auto leaf = storage::from_base64(std::string_view(e->at("leaf").as_string()));
    auto proof = storage::parse_tlog_proof(std::string_view(e->at("proof").as_string()));
    if (!leaf || !proof) return malformed(fmt::format("entry {}: its leaf or proof does not parse", sequence));
    // The leaf says which event it is: of this request, at this sequence.
    boost::system::error_code ec;
    auto fields = boost::json::parse(std::string_view(reinterpret_cast<const char*>(leaf->data()), leaf->size()), ec);
    if (ec || !fields.is_object() || fields.as_object().if_contains("request_id") == nullptr ||
        fields.as_object().at("request_id") != boost::json::value(request_id) ||
        fields.as_object().if_contains("sequence") == nullptr || fields.as_object().at("sequence") != sequence)
      return fail(Error::forbidden(fmt::format("audit_log: entry {} is not the leaf of event {} of request {}", sequence,
                                               sequence, request_id)));
    if (proof->checkpoint != note->as_string())
      return fail(Error::forbidden(fmt::format("audit_log: entry {}'s proof is at another checkpoint", sequence)));
    if (!merkle::verify_inclusion(proof->index, checkpoint->size, merkle::leaf_hash(*leaf), proof->hashes,
                                  checkpoint->root))
      return fail(Error::forbidden(fmt::format(
          "audit_log: entry {} (leaf {}) is not in the log that checkpoint {} signs", sequence, proof->index,
          checkpoint->size)));
    ++out.entries;
  }
  return out;
}

}  // namespace dsr::app
