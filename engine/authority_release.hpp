// The release of subjects' data to an authority that demanded it (policy
// D.1, D.5, D.7; UU PDP Pasal 50): for each subject named by NIK and on
// file, the categories asked for go to the authority, the disclosure ledger
// records it, and the subject is told, unless the authority prohibited
// telling them: then the notice waits in the outbox until the prohibition
// ends, and the subject's access package leaves the disclosure out until
// then.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <vector>

#include "engine/request.hpp"
#include "engine/result.hpp"
#include "engine/store.hpp"
#include "engine/subject_notices.hpp"

namespace dsr {

struct AuthorityRelease {
  std::vector<ReleasedSubject> released;  // one per subject on file
  std::vector<OutgoingMessage> notices;   // to those subjects with an address, held until `prohibited_until`
  int not_on_file = 0;                    // NIKs named that dsr holds no record of
  int without_address = 0;                // released, but the record has neither e-mail nor phone
};

// `details`: the authority request's (recipient_id, recipient_name,
// legal_basis, document_ref, niks, categories). `released_at`/`released_by`:
// the approval's. `time_zone`: the policy's, in which the notice writes times.
Result<AuthorityRelease> authority_release(const SubjectNotices& notices, const Request& request,
                                           const boost::json::object& details, TimePoint released_at,
                                           const std::string& released_by, std::optional<TimePoint> prohibited_until,
                                           const std::string& time_zone);

}  // namespace dsr
