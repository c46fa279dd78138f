// How the consent ledger and a restriction are shown, the same wherever
// they appear: the subject's record, the console's view of a request, the
// access package.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <vector>

#include "engine/ports.hpp"
#include "engine/subject_vault.hpp"

namespace dsr::api {

// null, or {"since", "categories"} (an empty list: every category).
boost::json::value restriction_view(const std::optional<Restriction>& restriction);

boost::json::object consent_view(const ConsentEntry& entry);
boost::json::array consents_view(const std::vector<ConsentEntry>& entries);

// One staff read of the subject's data: {"at", "role", "request_id",
// "fields", "route"}, and "principal" when `with_principal` (auditors
// always; the subject's access package only if the operator says so).
boost::json::object access_entry_view(const AccessEntry& entry, bool with_principal);

}  // namespace dsr::api
