// The notices of a breach (policy G.2; UU PDP Pasal 46 ayat (2)): one
// written notice to each affected subject on file, saying what data was
// disclosed, when and how, and what BSrE did about it. The subjects are
// those the breach notice names by NIK, or every subject of an
// organisation; each message goes to the contact on their own record.
#pragma once

#include <boost/json/object.hpp>

#include <vector>

#include "engine/request.hpp"
#include "engine/result.hpp"
#include "engine/subject_notices.hpp"

namespace dsr {

struct BreachNotices {
  std::vector<OutgoingMessage> messages;  // one per subject reached, each with its subject_ref
  int not_on_file = 0;                    // NIKs named that dsr holds no record of
  int without_address = 0;                // records with neither e-mail nor phone
};

// `details`: the breach notice's (description, occurred_at, discovered_at,
// categories, measures, and niks or organization). `time_zone`: the
// policy's, in which the times are written.
Result<BreachNotices> breach_notices(const SubjectNotices& notices, const Request& request,
                                     const boost::json::object& details, const std::string& time_zone);

}  // namespace dsr
