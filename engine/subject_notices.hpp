// SubjectNotices: writes the message a subject receives at a step of their
// request (received, more information needed, on hold, extended, completed,
// rejected, result ready, ...), from the MessageCatalog, in the language the
// subject filed in, to the contact on record, or, when dsr holds no record
// of the subject, to the contact given on the form once a verifier has
// checked the identity (filed on the subject's behalf, or verified by
// hand); before that, to no one, so that what reaches the form's address
// does not tell the filer whether the subject is on file (docs/api.md,
// "No enumeration"). Deadlines are written in
// the policy's time zone (WIB for id-pdp).
//
// Thread-safe: reads only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/message_catalog.hpp"
#include "engine/ports.hpp"
#include "engine/request.hpp"
#include "engine/sla_policy.hpp"
#include "engine/store.hpp"
#include "engine/subject_vault.hpp"

namespace dsr {

class SubjectNotices {
 public:
  SubjectNotices(const MessageCatalog& catalog, const SlaCatalog& policies, const SubjectVault& vault,
                 const Store& store)
      : catalog_(catalog), policies_(policies), vault_(vault), store_(store) {}

  // The message, or nullopt when the subject has no address dsr may use
  // (e.g. the record was erased). An error when that cannot be told now
  // (the database is away): the caller tries again later, and must not
  // take it for "no message owed". `details_json` is the filing's details;
  // empty: read them from the store.
  Result<std::optional<OutgoingMessage>> compose(const Request& request, std::string_view template_name,
                                                 MessageCatalog::Variables variables, std::optional<TimePoint> due_at,
                                                 std::string_view details_json = {}) const;

  // The message to `subject_ref`, a subject the request concerns without
  // being theirs (a breach notice tells each one affected), in `locale`, to
  // the contact on their record; nullopt when the record has no address
  // or there is no record.
  Result<std::optional<OutgoingMessage>> compose_to(const std::string& subject_ref, const Request& request,
                                                    std::string_view template_name, MessageCatalog::Variables variables,
                                                    std::string_view locale) const;

  const MessageCatalog& catalog() const { return catalog_; }
  const SubjectVault& vault() const { return vault_; }

 private:
  OutgoingMessage render(std::string to, std::string channel, const Request& request, std::string_view template_name,
                         MessageCatalog::Variables variables, const std::string& locale,
                         std::optional<TimePoint> due_at) const;

  const MessageCatalog& catalog_;
  const SlaCatalog& policies_;
  const SubjectVault& vault_;
  const Store& store_;
};

}  // namespace dsr
