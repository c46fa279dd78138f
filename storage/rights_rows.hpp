// What both backends write for the rights that act beyond the record's own
// fields: the consent ledger's entries, the restriction in force, and what
// a recipient notice carries besides the NIK (the purpose of a consent
// withdrawal, a restriction, a portability export). The SQL is each
// backend's; the values and their encoding are decided here once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/store.hpp"
#include "engine/subject_vault.hpp"

namespace dsr::storage {

// Categories as stored: a JSON array of strings (empty: every category).
std::string categories_text(const std::vector<std::string>& categories);
std::vector<std::string> categories_from_text(std::string_view text);

// A restriction placed while another is in force covers what both cover:
// every category when either does; it counts from the earlier one.
Restriction merged_restriction(const std::optional<Restriction>& in_force, const Restriction& placed);
// What stands on a record: the union of the restrictions each request
// placed (one row each), named by the earliest; nullopt for none.
std::optional<Restriction> standing_restriction(const std::vector<Restriction>& placed);
// The rows left once `request_id`'s restriction is lifted.
std::vector<Restriction> without_request(std::vector<Restriction> placed, std::string_view request_id);

// The further fields of the fulfilment's recipient notices (a JSON
// object): the fulfilment's own; for a transfer the portability export of
// `record` made `now`; for a lifting, what still stands on the record
// (`restriction.still_restricted`, placed by other requests, or null).
std::string notice_fields(const Fulfilment& f, const RequestHeader& request, const SubjectRecord& record, TimePoint now,
                          const std::optional<Restriction>& still_restricted = std::nullopt);

// The disclosure a portability transfer is (policy D.4): every category of
// `record`, to the controller the subject named, at the subject's request.
Disclosure transfer_disclosure(const RequestHeader& request, const SubjectRecord& record,
                               const std::string& recipient_id, TimePoint at, const std::string& recorded_by);

// A consent, restriction or transfer for a subject dsr holds no record of.
Error no_record_to_act_on(const RequestHeader& request);

// A release to an authority names a subject erased since it was composed.
Error released_subject_gone(const RequestHeader& request);

// Lifting a restriction when none is in force (lifted already).
Error no_restriction_to_lift(const RequestHeader& request);

std::string new_consent_id();
std::string new_disclosure_id();

// The insert of a consent ledger entry, with its columns in this order:
// id, subject_ref, purpose, status, policy_version, at, channel,
// evidence_ref, recorded_by, request_id, recorded_at. A withdrawal that
// names no policy version takes the one the latest consent given for that
// purpose was given under (parameters 2 and 3 again).
inline constexpr std::string_view kConsentColumns =
    "id, subject_ref, purpose, status, policy_version, at, channel, evidence_ref, recorded_by, request_id, recorded_at";

}  // namespace dsr::storage
