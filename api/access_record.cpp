#include "api/access_record.hpp"

namespace dsr::api {

std::vector<std::string> record_fields(const SubjectRecord& r) {
  std::vector<std::string> out;
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) out.emplace_back(name);
  };
  add("name", r.name);
  add("nik", r.nik);
  add("nip", r.nip);
  add("organization", r.organization);
  add("unit", r.unit);
  add("position", r.position);
  add("email", r.email);
  add("phone", r.phone);
  add("face_photo_ref", r.face_photo_ref);
  for (const auto& [category, value] : r.categories) out.push_back("categories." + category);
  return out;
}

void send_after_recording(ApiContext& context, const Caller& caller, std::vector<SubjectRead> reads, HttpResponse answer,
                          Respond respond) {
  if (!caller.is_staff() || reads.empty() || answer.status >= 300) return respond(std::move(answer));
  // HEAD sends the headers of the answer, never its data: nothing was read.
  if (caller.route.starts_with("HEAD ")) return respond(std::move(answer));
  if (context.access_log == nullptr)
    return respond(problem(503, "access_log_unavailable", text::kUnavailable.in(Locale::en),
                           "this server keeps no access log, and sends no personal data to staff without an entry in it"));
  TimePoint now = context.clock.now();
  std::vector<AccessEntry> entries;
  for (auto& read : reads)
    entries.push_back({caller.principal.name, caller.principal.role, std::move(read.subject_ref), std::move(read.request_id),
                       std::move(read.fields), caller.route, now});
  context.access_log->record(std::move(entries), [answer = std::move(answer), respond = std::move(respond)](Status recorded) mutable {
    if (!recorded)
      return respond(problem(503, "access_log_unavailable", text::kUnavailable.in(Locale::en),
                             "the read could not be recorded in the access log, so no data is sent; try again shortly (" +
                                 recorded.error().message + ")"));
    respond(std::move(answer));
  });
}

}  // namespace dsr::api
