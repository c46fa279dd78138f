#include "engine/message_catalog.hpp"

#include <boost/json/value.hpp>
#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "engine/detail/json_fields.hpp"

namespace dsr {
namespace {

using detail::Diagnostics;
using detail::ObjectReader;

struct TemplateContract {
  std::string_view name;
  std::vector<std::string_view> variables;  // besides the common ones
  std::vector<std::string_view> required;   // must appear in the text
  bool common = true;                       // may use kCommon too
};

// Every template written at a step of a request may use these.
const std::vector<std::string_view> kCommon{"request_id", "request_type", "contact", "due_at"};

const std::array<TemplateContract, 21> kContracts{{
    // Written by the portal with the code alone, short enough for an SMS.
    {"verification_code", {"code", "minutes", "request_id"}, {"code"}, false},
    {"verification_reminder", {}, {}},
    {"request_received", {}, {"due_at"}},
    {"information_needed", {"reason"}, {"reason"}},
    {"on_hold", {"reason"}, {"reason"}},
    {"extended", {"reason"}, {"reason", "due_at"}},
    {"completed", {}, {}},
    {"partially_completed", {"reason"}, {"reason"}},
    {"rejected", {"reason"}, {"reason"}},
    {"result_ready", {}, {}},
    // An inquiry's answer (workflows/inquiry.json): the reviewer's text is the reason.
    {"inquiry_answered", {"reason"}, {"reason"}},
    {"withdrawn", {}, {}},
    {"expired", {}, {}},
    {"consent_withdrawn", {}, {}},
    {"restriction_applied", {}, {}},
    // Told before the restriction is lifted, with the supervisor's reason
    // (GDPR Art. 18(3)); then told it has been.
    {"restriction_lift_announced", {"reason"}, {"reason"}},
    {"restriction_lifted", {}, {}},
    {"export_ready", {}, {}},
    // A request a verifier filed for the subject: its tracking token goes to
    // the contact on record, never to the officer.
    {"filed_on_behalf", {"tracking_token"}, {"tracking_token", "due_at"}},
    // A breach notice (UU PDP Pasal 46 ayat (2)): what was disclosed, when
    // and how, and the handling and recovery efforts must all be said.
    {"breach_notice", {"description", "occurred_at", "discovered_at", "categories", "measures"},
     {"description", "occurred_at", "categories", "measures"}},
    // A release of the subject's data to an authority (policy D.7): to whom,
    // on what basis, which data and when.
    {"authority_disclosure", {"authority", "legal_basis", "document_ref", "categories", "disclosed_at"},
     {"authority", "legal_basis", "categories", "disclosed_at"}},
}};

const std::array<std::string_view, 2> kRequiredLocales{"id", "en"};

const TemplateContract* contract_of(std::string_view name) {
  auto it = std::find_if(kContracts.begin(), kContracts.end(), [&](const auto& c) { return c.name == name; });
  return it == kContracts.end() ? nullptr : &*it;
}

bool placeholder_char(char c) { return std::islower(static_cast<unsigned char>(c)) || c == '_'; }

// Calls `on_placeholder(name)` for each "{name}"; answers the first stray
// brace as an error message, or empty.
template <class F>
std::string scan_placeholders(std::string_view text, F&& on_placeholder) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '}') return fmt::format("a '}}' without its '{{' at character {}", i + 1);
    if (text[i] != '{') continue;
    std::size_t end = i + 1;
    while (end < text.size() && placeholder_char(text[end])) ++end;
    if (end == text.size() || text[end] != '}' || end == i + 1)
      return fmt::format("a '{{' at character {} does not open a {{placeholder}}", i + 1);
    on_placeholder(text.substr(i + 1, end - i - 1));
    i = end;
  }
  return {};
}

template <class Map>
std::string substitute(std::string_view text, const Map& variables) {
  std::string out;
  out.reserve(text.size() + 64);
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t open = text.find('{', i);
    if (open == std::string_view::npos) break;
    std::size_t close = text.find('}', open);
    out.append(text.substr(i, open - i));
    auto it = variables.find(text.substr(open + 1, close - open - 1));
    if (it != variables.end()) out += it->second;
    i = close + 1;
  }
  out.append(text.substr(std::min(i, text.size())));
  return out;
}

std::string locale_of(std::string_view path) {
  // "messages/id.json" -> "id"
  auto slash = path.rfind('/');
  std::string_view stem = path.substr(slash + 1);
  return std::string(stem.substr(0, stem.size() - 5));
}

class CatalogParser {
 public:
  CatalogParser(const SourceFile& file, Diagnostics& diag) : file_(file), diag_(diag) {}

  std::optional<MessageCatalog::Language> run() {
    auto root = detail::parse_json(file_.content, diag_);
    if (!root) return std::nullopt;
    ObjectReader r(*root, "$", diag_);
    if (!r.valid()) return std::nullopt;
    MessageCatalog::Language lang;
    if (auto locale = r.string("locale", true); locale && *locale != locale_of(file_.path))
      diag_.add("$.locale", fmt::format("locale \"{}\" does not match the file name; name the file {}.json", *locale, *locale));
    lang.contact = r.string("contact", true).value_or("");
    lang.months = names(r, "months", 12);
    lang.weekdays = names(r, "weekdays", 7);
    if (auto dt = r.string("date_time", true)) {
      lang.date_time = *dt;
      check_text("$.date_time", *dt, {"weekday", "day", "month", "year", "hour", "minute", "zone"}, {});
    }
    if (const auto* types = r.value("request_types", true)) read_request_types(*types, lang);
    if (const auto* templates = r.value("templates", true)) read_templates(*templates, lang);
    return lang;
  }

 private:
  std::vector<std::string> names(ObjectReader& r, std::string_view key, std::size_t count) {
    auto list = r.strings(key, true).value_or(std::vector<std::string>{});
    if (list.size() != count && r.valid())
      diag_.add(r.field_path(key), fmt::format("needs {} names, has {}", count, list.size()));
    return list;
  }

  void read_request_types(const boost::json::value& v, MessageCatalog::Language& lang) {
    if (!v.is_object()) return diag_.add("$.request_types", "expected an object of request type names");
    for (const auto& [type, name] : v.get_object()) {
      if (!name.is_string()) {
        diag_.add(fmt::format("$.request_types.{}", std::string_view(type)), "expected a string");
        continue;
      }
      lang.request_types.emplace(std::string(type), std::string(name.get_string()));
    }
  }

  void read_templates(const boost::json::value& v, MessageCatalog::Language& lang) {
    if (!v.is_object()) return diag_.add("$.templates", "expected an object of templates");
    for (const auto& [name, body] : v.get_object()) {
      std::string path = fmt::format("$.templates.{}", std::string_view(name));
      const TemplateContract* contract = contract_of(name);
      if (contract == nullptr) {
        diag_.add(path, fmt::format("unknown template \"{}\" (dsr sends: {})", std::string_view(name), known_templates()));
        continue;
      }
      ObjectReader t(body, path, diag_);
      RenderedMessage m{t.string("subject", true).value_or(""), t.string("text", true).value_or("")};
      std::vector<std::string_view> allowed = contract->common ? kCommon : std::vector<std::string_view>{};
      allowed.insert(allowed.end(), contract->variables.begin(), contract->variables.end());
      check_text(path + ".subject", m.subject, allowed, {});
      check_text(path + ".text", m.text, allowed, contract->required);
      lang.templates.emplace(std::string(name), std::move(m));
    }
    for (auto name : MessageCatalog::template_names())
      if (!lang.templates.contains(name)) diag_.add("$.templates", fmt::format("missing template \"{}\"", name));
  }

  void check_text(const std::string& path, std::string_view text, const std::vector<std::string_view>& allowed,
                  const std::vector<std::string_view>& required) {
    std::vector<std::string_view> used;
    std::string stray = scan_placeholders(text, [&](std::string_view name) {
      used.push_back(name);
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
        diag_.add(path, fmt::format("unknown variable {{{}}}; this text may use {}", name, braces(allowed)));
    });
    if (!stray.empty()) diag_.add(path, stray);
    for (auto name : required)
      if (std::find(used.begin(), used.end(), name) == used.end())
        diag_.add(path, fmt::format("must use {{{}}}", name));
  }

  static std::string braces(const std::vector<std::string_view>& names) {
    std::string out;
    for (auto n : names) out += fmt::format("{}{{{}}}", out.empty() ? "" : " ", n);
    return out;
  }

  static std::string known_templates() {
    std::string out;
    for (auto n : MessageCatalog::template_names()) out += (out.empty() ? "" : ", ") + std::string(n);
    return out;
  }

  const SourceFile& file_;
  Diagnostics& diag_;
};

bool is_message_file(std::string_view path) {
  return path.starts_with("messages/") && path.ends_with(".json") &&
         path.find('/', 9) == std::string_view::npos;
}

}  // namespace

std::span<const std::string_view> MessageCatalog::template_names() {
  static const auto names = [] {
    std::array<std::string_view, kContracts.size()> out{};
    std::transform(kContracts.begin(), kContracts.end(), out.begin(), [](const auto& c) { return c.name; });
    return out;
  }();
  return names;
}

const std::vector<std::string_view>* MessageCatalog::variables_of(std::string_view name) {
  const TemplateContract* c = contract_of(name);
  return c == nullptr ? nullptr : &c->variables;
}

bool MessageCatalog::has_template(std::string_view name) const {
  return contract_of(name) != nullptr && !languages_.empty();
}

std::vector<std::string> MessageCatalog::locales() const {
  std::vector<std::string> out;
  for (const auto& [locale, unused] : languages_) out.push_back(locale);
  return out;
}

const MessageCatalog::Language& MessageCatalog::language(std::string_view locale) const {
  auto it = languages_.find(locale);
  if (it == languages_.end()) it = languages_.find(kDefaultLocale);
  return it->second;
}

RenderedMessage MessageCatalog::render(std::string_view locale, std::string_view name, const Variables& variables) const {
  const Language& lang = language(locale);
  auto it = lang.templates.find(name);
  if (it == lang.templates.end()) return {};  // unreachable for a loaded catalogue and a contract name
  return {substitute(it->second.subject, variables), substitute(it->second.text, variables)};
}

std::string MessageCatalog::format_time(std::string_view locale, TimePoint t, const std::string& time_zone) const {
  const Language& lang = language(locale);
  date::zoned_time<std::chrono::seconds> local(date::locate_zone(time_zone), t);
  auto local_time = local.get_local_time();
  auto day = date::floor<date::days>(local_time);
  date::year_month_day ymd(day);
  date::hh_mm_ss<std::chrono::seconds> hms(local_time - day);
  unsigned weekday = date::weekday(day).c_encoding();
  std::map<std::string, std::string, std::less<>> parts{
      {"weekday", lang.weekdays.at(weekday)},
      {"day", fmt::format("{}", static_cast<unsigned>(ymd.day()))},
      {"month", lang.months.at(static_cast<unsigned>(ymd.month()) - 1)},
      {"year", fmt::format("{}", static_cast<int>(ymd.year()))},
      {"hour", fmt::format("{:02}", hms.hours().count())},
      {"minute", fmt::format("{:02}", hms.minutes().count())},
      {"zone", local.get_info().abbrev}};
  return substitute(lang.date_time, parts);
}

std::string MessageCatalog::request_type_name(std::string_view locale, std::string_view type) const {
  const Language& lang = language(locale);
  auto it = lang.request_types.find(type);
  return it == lang.request_types.end() ? std::string(type) : it->second;
}

std::string MessageCatalog::contact(std::string_view locale) const { return language(locale).contact; }

Result<MessageCatalog, DefinitionErrors> load_message_catalog(std::span<const SourceFile> files,
                                                              const WorkflowSet& workflows) {
  MessageCatalog catalog;
  DefinitionErrors errors;
  for (const auto& file : files) {
    if (!is_message_file(file.path)) continue;
    Diagnostics diag(file.path);
    auto lang = CatalogParser(file, diag).run();
    if (lang) {
      for (const auto& type : workflows.types())
        if (!lang->request_types.contains(type))
          diag.add("$.request_types", fmt::format("missing a name for the request type \"{}\"", type));
    }
    auto found = diag.take();
    errors.insert(errors.end(), found.begin(), found.end());
    if (lang && found.empty()) catalog.languages_.emplace(locale_of(file.path), std::move(*lang));
  }
  for (auto locale : kRequiredLocales) {
    std::string path = fmt::format("messages/{}.json", locale);
    bool present = std::any_of(files.begin(), files.end(), [&](const SourceFile& f) { return f.path == path; });
    if (!present) errors.push_back({path, "", fmt::format("missing: subjects are written to in \"{}\"", locale)});
  }
  for (const auto& type : workflows.types()) {
    const Workflow* w = workflows.find(type);
    auto check = [&](const Transition& t, const std::string& where) {
      if (t.notify_subject.empty()) return;
      const TemplateContract* contract = contract_of(t.notify_subject);
      if (contract == nullptr) {
        errors.push_back({w->source, where, fmt::format("notify_subject names no template: \"{}\"", t.notify_subject)});
      } else if (std::find(contract->required.begin(), contract->required.end(), "reason") != contract->required.end() &&
                 t.reason != ReasonRule::required) {
        errors.push_back({w->source, where, fmt::format("\"{}\" tells the subject the reason: the transition must "
                                                        "require one (\"reason\": \"required\")", t.notify_subject)});
      } else if (!contract->common) {
        errors.push_back({w->source, where, fmt::format("\"{}\" is written by the portal, not at a step", t.notify_subject)});
      }
    };
    check(w->start, "$.start.notify_subject");
    for (std::size_t i = 0; i < w->transitions.size(); ++i)
      check(w->transitions[i], fmt::format("$.transitions[{}].notify_subject", i));
  }
  if (!errors.empty()) return fail(std::move(errors));
  return catalog;
}

}  // namespace dsr
