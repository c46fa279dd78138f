#include "api/staff_filing.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "api/identity_numbers.hpp"
#include "engine/portable_export.hpp"

namespace dsr::api {

boost::json::array read_niks(BodyReader& details, std::string_view key, std::string_view larger) {
  Locale l = details.locale();
  boost::json::array kept;
  const boost::json::array* niks = details.array(key, true);
  if (niks == nullptr) return kept;
  if (niks->empty()) details.error(key, text::kEmpty.in(l));
  if (niks->size() > kMostNiks) details.error(key, fmt::format("at most {}; {}", kMostNiks, larger));
  for (std::size_t i = 0; i < niks->size() && i < kMostNiks; ++i) {
    const auto& n = (*niks)[i];
    if (!n.is_string() || !plausible_nik(n.get_string())) details.error(fmt::format("{}[{}]", key, i), text::kNikShape.in(l));
    else kept.push_back(n);
  }
  return kept;
}

boost::json::array read_categories(BodyReader& details, std::string_view key, bool record_only) {
  Locale l = details.locale();
  boost::json::array kept;
  const boost::json::array* categories = details.array(key, true);
  if (categories == nullptr) return kept;
  if (categories->empty()) details.error(key, text::kEmpty.in(l));
  for (std::size_t i = 0; i < categories->size(); ++i) {
    const auto& c = (*categories)[i];
    std::string item = fmt::format("{}[{}]", key, i);
    if (!c.is_string() || c.get_string().empty() || c.get_string().size() > 100)
      details.error(item, text::kNotString.in(l));
    else if (record_only && !is_record_category(c.get_string()))
      details.error(item, fmt::format("not a category of the subject record ({}, or categories.<name>)",
                                      fmt::join(kRecordFieldCategories, ", ")));
    else kept.push_back(c);
  }
  return kept;
}

void file_staff_request(ApiContext& context, Submission submission, Locale l, Respond respond) {
  context.requests.submit(submission, [&context, l, respond = std::move(respond)](Result<Request> filed) {
    if (!filed) return respond(problem_for(filed.error(), l));
    auto due = context.requests.deadline(*filed);
    HttpResponse r = json_response(201, {{"id", filed->id},
                                         {"type", filed->type},
                                         {"status", filed->state},
                                         {"received_at", format_rfc3339(filed->received_at)},
                                         {"due_at", due ? boost::json::value(format_rfc3339(due->due_at)) : nullptr},
                                         {"policy", filed->policy}});
    r.headers.emplace_back("Location", "/v1/requests/" + filed->id);
    respond(std::move(r));
  });
}

std::int64_t recorded_count(const Event& event, const std::string& key) {
  auto it = event.data.find(key);
  return it == event.data.end() ? 0 : std::stoll(it->second);
}

std::optional<HttpResponse> staff_filing_refusal(const Caller& caller, std::initializer_list<Role> roles,
                                                 std::string_view what, Locale l) {
  std::string allowed;
  for (Role r : roles) allowed += (allowed.empty() ? "" : " or ") + std::string(to_string(r));
  if (!caller.is_staff())
    return problem(401, "unauthorized", text::kUnauthorized.in(l),
                   fmt::format("{} is filed by a {}, with their bearer token", what, allowed));
  if (std::find(roles.begin(), roles.end(), caller.principal.role) == roles.end())
    return problem(403, "role_not_allowed", text::kForbidden.in(l),
                   fmt::format("the role {} may not file {}; a {} does", to_string(caller.principal.role), what, allowed));
  return std::nullopt;
}

}  // namespace dsr::api
