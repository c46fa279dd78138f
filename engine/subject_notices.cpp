#include "engine/subject_notices.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace dsr {
namespace {

struct Address {
  std::string to;
  std::string channel;
};

std::string text_at(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Whether a verifier has checked who filed: they filed on the subject's
// behalf, or verified the identity by hand. Until then the address on the
// form is only what someone typed: writing to it for a subject dsr holds
// no record of, and to no one for a subject on file under another address,
// would tell the filer which of the two they named (account enumeration).
bool identity_checked_by_staff(const Request& request, const boost::json::object& details) {
  if (text_at(details, "verification") == "on_behalf") return true;
  return std::any_of(request.events.begin(), request.events.end(),
                     [](const Event& e) { return e.name == "verify_manually"; });
}

}  // namespace

Result<std::optional<OutgoingMessage>> SubjectNotices::compose(const Request& request, std::string_view template_name,
                                                               MessageCatalog::Variables variables,
                                                               std::optional<TimePoint> due_at,
                                                               std::string_view details_json) const {
  const std::optional<OutgoingMessage> kNone;  // no message owed
  std::string stored;
  if (details_json.empty()) {
    auto details = store_.details(request.id);
    if (!details && details.error().code != ErrorCode::not_found) return fail(details.error());
    if (!details) return kNone;
    stored = std::move(details).value();
    details_json = stored;
  }
  boost::system::error_code ec;
  auto parsed = boost::json::parse(details_json, ec);
  if (ec || !parsed.is_object()) return kNone;  // erased with the subject, or never kept
  const auto& details = parsed.get_object();
  std::string locale = text_at(details, "locale");
  if (locale.empty()) locale = std::string(kDefaultLocale);

  // The contact on record wins over what the form said (DESIGN.md, security).
  Address address;
  auto record = vault_.get(request.subject_ref);
  if (record) {
    address = !record->email.empty() ? Address{record->email, "email"} : Address{record->phone, "sms"};
  } else if (record.error().code != ErrorCode::not_found) {
    return fail(record.error());  // the record may exist: never fall back to what the form said
  } else if (const auto* given = details.if_contains("contact_given");
             given && given->is_object() && identity_checked_by_staff(request, details)) {
    const auto& contact = given->get_object();
    address = !text_at(contact, "email").empty() ? Address{text_at(contact, "email"), "email"}
                                                  : Address{text_at(contact, "phone"), "sms"};
  }
  if (address.to.empty()) return kNone;
  return std::optional(render(std::move(address.to), std::move(address.channel), request, template_name,
                              std::move(variables), locale, due_at));
}

Result<std::optional<OutgoingMessage>> SubjectNotices::compose_to(const std::string& subject_ref, const Request& request,
                                                                  std::string_view template_name,
                                                                  MessageCatalog::Variables variables,
                                                                  std::string_view locale) const {
  auto record = vault_.get(subject_ref);
  if (!record && record.error().code == ErrorCode::not_found) return std::optional<OutgoingMessage>{};
  if (!record) return fail(record.error());
  Address address = !record->email.empty() ? Address{record->email, "email"} : Address{record->phone, "sms"};
  if (address.to.empty()) return std::optional<OutgoingMessage>{};
  OutgoingMessage m = render(std::move(address.to), std::move(address.channel), request, template_name,
                             std::move(variables), std::string(locale), std::nullopt);
  m.subject_ref = subject_ref;
  return std::optional(std::move(m));
}

OutgoingMessage SubjectNotices::render(std::string to, std::string channel, const Request& request,
                                       std::string_view template_name, MessageCatalog::Variables variables,
                                       const std::string& locale, std::optional<TimePoint> due_at) const {
  variables.emplace("request_id", request.id);
  variables.emplace("request_type", catalog_.request_type_name(locale, request.type));
  variables.emplace("contact", catalog_.contact(locale));
  if (due_at) {
    variables.emplace("due_at", catalog_.format_time(locale, *due_at, policies_.time_zone_of(request.policy)));
  }
  RenderedMessage rendered = catalog_.render(locale, template_name, variables);
  OutgoingMessage m;
  m.to = std::move(to);
  m.channel = std::move(channel);
  m.template_name = std::string(template_name);
  m.locale = locale;
  m.request_id = request.id;
  m.text = std::move(rendered.text);
  m.subject = std::move(rendered.subject);
  m.variables = std::map<std::string, std::string>(variables.begin(), variables.end());
  return m;
}

}  // namespace dsr
