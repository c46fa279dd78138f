// MessageCatalog: what dsr writes to data subjects, in each language
// (policy F.1, F.2; UU PDP Pasal 30(2), 41(3), 45). The texts are data, in
// workflows/messages/<locale>.json; which variables each template is given
// is the engine's contract, written here, so that a template naming a
// variable the engine never fills, or a missing template, fails at start-up
// instead of when a message is due.
//
// Immutable once loaded; safe to share between threads.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/definition_error.hpp"
#include "engine/result.hpp"
#include "engine/time.hpp"
#include "engine/workflow_set.hpp"

namespace dsr {

inline constexpr std::string_view kDefaultLocale = "id";

struct RenderedMessage {
  std::string subject;  // a subject line, for e-mail
  std::string text;
};

class MessageCatalog {
 public:
  using Variables = std::map<std::string, std::string, std::less<>>;

  // Every template the engine sends, in a fixed order.
  static std::span<const std::string_view> template_names();
  // The variables a template may use; nullptr for an unknown template.
  static const std::vector<std::string_view>* variables_of(std::string_view template_name);

  bool has_template(std::string_view name) const;
  std::vector<std::string> locales() const;
  // `locale` falls back to the default (Indonesian) when the catalogue has
  // no such language. Variables the template does not use are ignored;
  // every placeholder it uses must be given (checked at load).
  RenderedMessage render(std::string_view locale, std::string_view template_name, const Variables& variables) const;
  // A deadline as the subject reads it, in `time_zone`, e.g. "Jumat, 27
  // November 2026 pukul 14.00 WIB".
  std::string format_time(std::string_view locale, TimePoint t, const std::string& time_zone) const;
  // "permintaan akses data pribadi"; the type itself if the catalogue has no name for it.
  std::string request_type_name(std::string_view locale, std::string_view type) const;
  std::string contact(std::string_view locale) const;

  struct Language {
    std::string contact;
    std::vector<std::string> months;    // 12
    std::vector<std::string> weekdays;  // 7, Sunday first
    std::string date_time;
    std::map<std::string, std::string, std::less<>> request_types;
    std::map<std::string, RenderedMessage, std::less<>> templates;
  };

 private:
  friend Result<MessageCatalog, DefinitionErrors> load_message_catalog(std::span<const SourceFile>, const WorkflowSet&);
  const Language& language(std::string_view locale) const;

  std::map<std::string, Language, std::less<>> languages_;
};

// Loads "messages/<locale>.json" from `files`: "id" and "en" are required,
// each with every template of template_names(); checks each placeholder
// against the template's variables, and each workflow's notify_subject
// against the templates.
Result<MessageCatalog, DefinitionErrors> load_message_catalog(std::span<const SourceFile> files,
                                                              const WorkflowSet& workflows);

}  // namespace dsr
