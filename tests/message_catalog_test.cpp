// MessageCatalog: what a subject reads, in Indonesian and English, and the
// load-time checks that keep a broken catalogue from starting the server.
#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/definition_files.hpp"
#include "engine/message_catalog.hpp"
#include "engine/workflow_set.hpp"
#include "test_support.hpp"

using namespace dsr;
using test::at;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string shipped_text(const std::string& locale) {
  return read_text(std::string(DSR_WORKFLOWS_DIR) + "/messages/" + locale + ".json");
}

std::vector<SourceFile> shipped_files() {
  return {{"messages/id.json", shipped_text("id")}, {"messages/en.json", shipped_text("en")}};
}

// The shipped file of `locale`, with `edit` applied to its parsed JSON.
template <class Edit>
std::string edited(const std::string& locale, Edit edit) {
  boost::json::value root = boost::json::parse(shipped_text(locale));
  edit(root.as_object());
  return boost::json::serialize(root);
}

SourceFile& file_of(std::vector<SourceFile>& files, const std::string& locale) {
  auto it = std::find_if(files.begin(), files.end(),
                         [&](const SourceFile& f) { return f.path == "messages/" + locale + ".json"; });
  REQUIRE(it != files.end());
  return *it;
}

std::string all_errors(const DefinitionErrors& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

// The one error of `errors` whose text contains `needle`, or fails.
const DefinitionError& error_containing(const DefinitionErrors& errors, const std::string& needle) {
  INFO(all_errors(errors));
  auto it = std::find_if(errors.begin(), errors.end(),
                         [&](const DefinitionError& e) { return e.to_string().find(needle) != std::string::npos; });
  REQUIRE(it != errors.end());
  return *it;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Placeholder names used in a raw template text.
std::vector<std::string> placeholders_in(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t open = text.find('{'); open != std::string_view::npos; open = text.find('{', open + 1)) {
    std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) break;
    out.emplace_back(text.substr(open + 1, close - open - 1));
  }
  return out;
}

const MessageCatalog::Variables& sample_values() {
  static const MessageCatalog::Variables values{
      {"request_id", "REQ-2026-000042"}, {"request_type", "TYPE-OF-REQUEST"}, {"contact", "CONTACT-LINE"},
      {"due_at", "DUE-AT-VALUE"},        {"code", "482913"},                  {"minutes", "15"},
      {"reason", "REASON-GIVEN-BY-STAFF"}, {"tracking_token", "trk_TRACKING-TOKEN"},
      {"description", "DESCRIPTION-OF-BREACH"}, {"occurred_at", "OCCURRED-AT"}, {"discovered_at", "DISCOVERED-AT"},
      {"categories", "CATEGORIES-LIST"}, {"measures", "MEASURES-TAKEN"}, {"authority", "AUTHORITY-NAME"},
      {"legal_basis", "LEGAL-BASIS"}, {"document_ref", "DOCUMENT-REF"}, {"disclosed_at", "DISCLOSED-AT"}};
  return values;
}

}  // namespace

TEST_CASE("the shipped catalogue loads with both languages", "[messages]") {
  auto files = shipped_files();
  auto loaded = load_message_catalog(files, test::shipped_workflows());
  if (!loaded) INFO(all_errors(loaded.error()));
  REQUIRE(loaded.ok());
  CHECK(loaded->locales() == std::vector<std::string>{"en", "id"});
  for (auto name : MessageCatalog::template_names()) CHECK(loaded->has_template(name));
}

TEST_CASE("every template renders in Indonesian and English with all its variables filled", "[messages]") {
  const MessageCatalog& catalog = test::shipped_messages();
  const auto& values = sample_values();
  boost::json::value raw_id = boost::json::parse(shipped_text("id"));
  boost::json::value raw_en = boost::json::parse(shipped_text("en"));

  REQUIRE(MessageCatalog::template_names().size() == 21);
  for (auto name : MessageCatalog::template_names()) {
    INFO("template " << name);
    const auto* own = MessageCatalog::variables_of(name);
    REQUIRE(own != nullptr);
    MessageCatalog::Variables given;
    for (const char* common : {"request_id", "request_type", "contact", "due_at"}) given.emplace(common, values.at(common));
    for (auto v : *own) {
      INFO("variable " << v);
      REQUIRE(values.contains(v));
      given.emplace(std::string(v), values.find(v)->second);
    }

    RenderedMessage rendered[2];
    const boost::json::value* raw[2] = {&raw_id, &raw_en};
    const char* locales[2] = {"id", "en"};
    for (int i = 0; i < 2; ++i) {
      INFO("locale " << locales[i]);
      rendered[i] = catalog.render(locales[i], name, given);
      const RenderedMessage& m = rendered[i];
      CHECK_FALSE(m.text.empty());
      CHECK_FALSE(m.subject.empty());
      for (const std::string* part : {&m.text, &m.subject}) {
        CHECK(part->find('{') == std::string::npos);
        CHECK(part->find('}') == std::string::npos);
      }
      // Each value the template's text asks for is in the message.
      const auto& tmpl = raw[i]->at("templates").at(name);
      for (const auto& used : placeholders_in(tmpl.at("text").as_string())) {
        INFO("placeholder {" << used << "}");
        REQUIRE(given.contains(used));
        CHECK(contains(m.text, given.find(used)->second));
      }
      for (const auto& used : placeholders_in(tmpl.at("subject").as_string())) {
        INFO("subject placeholder {" << used << "}");
        REQUIRE(given.contains(used));
        CHECK(contains(m.subject, given.find(used)->second));
      }
      if (name == "verification_code") {
        CHECK(contains(m.text, "482913"));
      } else {
        CHECK(contains(m.text, "REQ-2026-000042"));
      }
      if (std::find(own->begin(), own->end(), "reason") != own->end()) CHECK(contains(m.text, "REASON-GIVEN-BY-STAFF"));
    }
    CHECK(rendered[0].text != rendered[1].text);
    CHECK(rendered[0].subject != rendered[1].subject);
  }
}

TEST_CASE("the messages with a deadline write it into the text", "[messages]") {
  const MessageCatalog& catalog = test::shipped_messages();
  for (auto name : {"request_received", "extended"}) {
    for (auto locale : {"id", "en"}) {
      INFO(name << " in " << locale);
      auto m = catalog.render(locale, name, sample_values());
      CHECK(contains(m.text, "DUE-AT-VALUE"));
    }
  }
}

TEST_CASE("a deadline is written in the policy's time zone, in the subject's language", "[messages]") {
  const MessageCatalog& catalog = test::shipped_messages();
  TimePoint due = at("2026-11-27T07:00:00Z");
  CHECK(catalog.format_time("id", due, "Asia/Jakarta") == "Jumat, 27 November 2026 pukul 14.00 WIB");
  CHECK(catalog.format_time("en", due, "Asia/Jakarta") == "Friday 27 November 2026, 14:00 WIB");
  // Crossing midnight locally changes the day and weekday too.
  CHECK(catalog.format_time("id", at("2026-11-27T18:30:00Z"), "Asia/Jakarta") ==
        "Sabtu, 28 November 2026 pukul 01.30 WIB");
  CHECK(catalog.format_time("en", at("2026-08-16T23:05:00Z"), "Asia/Jayapura") == "Monday 17 August 2026, 08:05 WIT");
}

TEST_CASE("a language the catalogue does not have falls back to Indonesian", "[messages]") {
  const MessageCatalog& catalog = test::shipped_messages();
  TimePoint due = at("2026-11-27T07:00:00Z");
  CHECK(catalog.format_time("fr", due, "Asia/Jakarta") == "Jumat, 27 November 2026 pukul 14.00 WIB");
  CHECK(catalog.format_time("", due, "Asia/Jakarta") == "Jumat, 27 November 2026 pukul 14.00 WIB");
  auto french = catalog.render("fr", "completed", sample_values());
  auto indonesian = catalog.render("id", "completed", sample_values());
  CHECK(french.text == indonesian.text);
  CHECK(french.subject == indonesian.subject);
  CHECK(french.text != catalog.render("en", "completed", sample_values()).text);
  CHECK(catalog.request_type_name("fr", "access") == "permintaan akses data pribadi");
  CHECK(catalog.request_type_name("en", "access") == "request for access to your personal data");
  CHECK(catalog.contact("fr") == catalog.contact("id"));
}

TEST_CASE("a catalogue missing a template is refused, naming the template", "[messages]") {
  auto files = shipped_files();
  file_of(files, "en").content = edited("en", [](boost::json::object& root) {
    root.at("templates").as_object().erase("expired");
  });
  auto loaded = load_message_catalog(files, test::shipped_workflows());
  REQUIRE_FALSE(loaded.ok());
  const auto& e = error_containing(loaded.error(), "missing template \"expired\"");
  CHECK(e.file == "messages/en.json");
  CHECK(contains(e.to_string(), "messages/en.json"));
}

TEST_CASE("a text using a variable the engine never fills is refused, naming it and where", "[messages]") {
  auto files = shipped_files();
  file_of(files, "id").content = edited("id", [](boost::json::object& root) {
    root.at("templates").at("completed").as_object()["text"] = "Yth. {name_of_subject}, permintaan {request_id} selesai.";
  });
  auto loaded = load_message_catalog(files, test::shipped_workflows());
  REQUIRE_FALSE(loaded.ok());
  const auto& e = error_containing(loaded.error(), "{name_of_subject}");
  CHECK(e.file == "messages/id.json");
  CHECK(e.path == "$.templates.completed.text");
  CHECK(contains(e.to_string(), "messages/id.json"));
  CHECK(contains(e.to_string(), "$.templates.completed.text"));
  CHECK(contains(e.to_string(), "unknown variable"));
}

TEST_CASE("a stray brace in a text is refused", "[messages]") {
  SECTION("a closing brace without its opening one") {
    auto files = shipped_files();
    file_of(files, "en").content = edited("en", [](boost::json::object& root) {
      root.at("templates").at("withdrawn").as_object()["text"] = "Request {request_id} withdrawn :-}";
    });
    auto loaded = load_message_catalog(files, test::shipped_workflows());
    REQUIRE_FALSE(loaded.ok());
    const auto& e = error_containing(loaded.error(), "without its");
    CHECK(e.path == "$.templates.withdrawn.text");
    CHECK(contains(e.to_string(), "messages/en.json"));
  }
  SECTION("an opening brace that opens no placeholder") {
    auto files = shipped_files();
    file_of(files, "en").content = edited("en", [](boost::json::object& root) {
      root.at("templates").at("withdrawn").as_object()["subject"] = "Request {request_id withdrawn";
    });
    auto loaded = load_message_catalog(files, test::shipped_workflows());
    REQUIRE_FALSE(loaded.ok());
    const auto& e = error_containing(loaded.error(), "does not open a {placeholder}");
    CHECK(e.path == "$.templates.withdrawn.subject");
    CHECK(contains(e.to_string(), "messages/en.json"));
  }
}

TEST_CASE("a template that leaves out its required variable is refused", "[messages]") {
  auto files = shipped_files();
  file_of(files, "id").content = edited("id", [](boost::json::object& root) {
    root.at("templates").at("verification_code").as_object()["text"] = "Kode Anda akan dikirim terpisah.";
  });
  auto loaded = load_message_catalog(files, test::shipped_workflows());
  REQUIRE_FALSE(loaded.ok());
  const auto& e = error_containing(loaded.error(), "must use {code}");
  CHECK(e.path == "$.templates.verification_code.text");
  CHECK(contains(e.to_string(), "messages/id.json"));
}

TEST_CASE("a catalogue without English is refused", "[messages]") {
  std::vector<SourceFile> files{{"messages/id.json", shipped_text("id")}};
  auto loaded = load_message_catalog(files, test::shipped_workflows());
  REQUIRE_FALSE(loaded.ok());
  const auto& e = error_containing(loaded.error(), "messages/en.json");
  CHECK(contains(e.to_string(), "missing"));
  CHECK(contains(e.to_string(), "\"en\""));
}

TEST_CASE("a template dsr never sends is refused, naming it", "[messages]") {
  auto files = shipped_files();
  file_of(files, "en").content = edited("en", [](boost::json::object& root) {
    root.at("templates").as_object()["birthday_greeting"] = {{"subject", "Happy birthday"},
                                                             {"text", "Many happy returns, {request_id}"}};
  });
  auto loaded = load_message_catalog(files, test::shipped_workflows());
  REQUIRE_FALSE(loaded.ok());
  const auto& e = error_containing(loaded.error(), "unknown template \"birthday_greeting\"");
  CHECK(e.file == "messages/en.json");
  CHECK(e.path == "$.templates.birthday_greeting");
}

TEST_CASE("a workflow that names a template the catalogue lacks is refused", "[messages]") {
  auto files = app::read_definition_files(DSR_WORKFLOWS_DIR);
  REQUIRE(files.ok());
  auto access = std::find_if(files->begin(), files->end(), [](const SourceFile& f) { return f.path == "access.json"; });
  REQUIRE(access != files->end());
  const std::string shipped = "\"notify_subject\": \"result_ready\"";
  auto where = access->content.find(shipped);
  REQUIRE(where != std::string::npos);
  access->content.replace(where, shipped.size(), "\"notify_subject\": \"results_ready\"");

  // The workflow itself is well formed; only the catalogue knows the names.
  REQUIRE(parse_workflow(*access).ok());
  auto workflows = load_workflow_set(*files);
  REQUIRE(workflows.ok());
  auto loaded = load_message_catalog(*files, *workflows);
  REQUIRE_FALSE(loaded.ok());
  const auto& e = error_containing(loaded.error(), "\"results_ready\"");
  CHECK(e.file == "access.json");
  CHECK(e.path.starts_with("$.transitions["));
  CHECK(e.path.ends_with("].notify_subject"));
  CHECK(contains(e.to_string(), "notify_subject names no template"));
  CHECK(loaded.error().size() == 1);
}

TEST_CASE("the code message may use only what the portal gives it", "[messages]") {
  auto files = shipped_files();
  file_of(files, "en").content = edited("en", [](boost::json::object& root) {
    root.at("templates").at("verification_code").as_object()["text"] = "Code {code}. Questions: {contact}.";
  });
  auto loaded = load_message_catalog(files, test::shipped_workflows());
  REQUIRE_FALSE(loaded.ok());
  CHECK(error_containing(loaded.error(), "unknown variable {contact}").path == "$.templates.verification_code.text");
}

TEST_CASE("a template that tells the reason needs a transition that requires one", "[messages]") {
  auto files = app::read_definition_files(DSR_WORKFLOWS_DIR);
  REQUIRE(files.ok());
  auto access = std::find_if(files->begin(), files->end(), [](const SourceFile& f) { return f.path == "access.json"; });
  REQUIRE(access != files->end());
  // verify_manually takes an optional reason: "rejected" would print an empty one.
  const std::string row = "\"roles\": [\"verifier\"]}";
  auto where = access->content.find(row);
  REQUIRE(where != std::string::npos);
  access->content.replace(where, row.size(), "\"roles\": [\"verifier\"], \"notify_subject\": \"rejected\"}");
  auto workflows = load_workflow_set(*files);
  REQUIRE(workflows.ok());
  auto loaded = load_message_catalog(*files, *workflows);
  REQUIRE_FALSE(loaded.ok());
  CHECK(contains(error_containing(loaded.error(), "\"rejected\"").message, "must require one"));
}
