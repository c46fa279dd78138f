// The staff access log at the API's edge (policy C.6, C.7; UU PDP Pasal 31;
// docs/access-log.md): an answer that carries a subject's personal data
// to a member of staff or a system is sent only once the read is an entry
// of the audit log. If the entry cannot be written, the caller gets a 503
// and none of the data.
//
// Who counts: every bearer-token holder (staff, systems, institutions:
// an institution's read stays in the disclosure ledger too). The subject
// reading their own request with its tracking token does not.
#pragma once

#include <string>
#include <vector>

#include "api/api_context.hpp"
#include "api/router.hpp"

namespace dsr::api {

// One subject's data in an answer: whose (by reference), about which
// request (if any), and which categories.
struct SubjectRead {
  std::string subject_ref;
  std::string request_id;
  std::vector<std::string> fields;
};

// Sends `answer` to a staff `caller` once `reads` are in the access log
// (one durable write for all of them); at once for any other caller, or
// when `reads` is empty. The route recorded is the caller's (method and
// path template: never a NIK).
void send_after_recording(ApiContext& context, const Caller& caller, std::vector<SubjectRead> reads, HttpResponse answer,
                          Respond respond);

// The categories of a record that an answer shows: its non-empty fields.
std::vector<std::string> record_fields(const SubjectRecord& record);

}  // namespace dsr::api
