#include "app/settings.hpp"

#include <fmt/format.h>
#include <fmt/std.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <regex>

namespace dsr::app {
namespace po = boost::program_options;

namespace {

po::options_description make_all_settings() {
  po::options_description settings("Settings (flag, DSR_* environment variable, or key in the configuration file)");
  settings.add_options()
      ("db", po::value<std::string>()->default_value("var/dsr.db"), "the database: a SQLite file, or a PostgreSQL connection string (postgresql://USER@HOST:PORT/DBNAME?..., or \"host=... dbname=...\"); the password from PGPASSWORD or ~/.pgpass")
      ("key-file", po::value<std::string>(), "the master key (32 bytes, 0600); default: master.key beside the database")
      ("listen", po::value<std::string>()->default_value("127.0.0.1:8080"), "HOST:PORT to listen on (port 0: any free port)")
      ("tls-cert", po::value<std::string>(), "TLS certificate chain (PEM)")
      ("tls-key", po::value<std::string>(), "TLS private key (PEM)")
      ("client-ca", po::value<std::string>(), "with TLS: CA certificates (PEM) whose client certificates sign staff in (dsr staff add); clients are asked for one, not required to give one")
      ("client-crl", po::value<std::string>(), "with --client-ca: the CAs' revocation lists (PEM), read again when the file changes")
      ("insecure-listen", po::bool_switch(), "allow plain HTTP on an address other than loopback")
      ("workflows", po::value<std::string>(), "directory overriding the embedded workflows, policies and calendars")
      ("policy", po::value<std::string>()->default_value("id-pdp"), "default SLA policy")
      ("message-sink", po::value<std::string>()->default_value("dir:var/outbox"), "dir:PATH or webhook:URL")
      ("message-sink-secret-file", po::value<std::string>()->default_value("var/message-sink.secret"),
       "signing secret of the webhook: sink (created on first use)")
      ("public-url", po::value<std::string>(), "where recipients reach this server, for ack_url (default: the listen address)")
      ("webhook-ca", po::value<std::string>(), "PEM bundle of CAs trusted for outgoing HTTPS (default: the system's)")
      ("webhook-timeout", po::value<std::string>()->default_value("10s"), "time a webhook has to answer")
      ("retry-delay", po::value<std::string>()->default_value("30s"), "first delay before a failed delivery is retried (doubles each time, at most 1h)")
      ("delivery-horizon", po::value<std::string>()->default_value("72h"), "retries stop this long after a message was queued (dead letter)")
      ("timer-interval", po::value<std::string>()->default_value("30s"), "how often reminders, expiry and settling run")
      ("retention-interval", po::value<std::string>()->default_value("1h"), "how often the retention sweep runs (also at start)")
      ("report-schedule", po::value<std::string>(), "write the SLA report daily at a local time, e.g. \"daily 07:00\"")
      ("report-dir", po::value<std::string>()->default_value("var/reports"), "where scheduled reports are written")
      ("report-lang", po::value<std::string>()->default_value("id"), "language of the scheduled HTML report: id or en")
      ("public-rate", po::value<unsigned>()->default_value(30), "filings per minute per client; 0 turns it off")
      ("auth-failure-rate", po::value<unsigned>()->default_value(20), "refused credentials per minute per client before 429; 0 turns it off")
      ("trusted-proxy", po::value<std::string>(), "proxy whose X-Forwarded-For names the client")
      ("threads", po::value<unsigned>()->default_value(0), "I/O threads (0: one per core)")
      ("read-timeout", po::value<unsigned>()->default_value(15), "seconds a client has to send a whole request")
      ("idle-timeout", po::value<unsigned>()->default_value(60), "seconds a kept-alive connection may sit idle")
      ("quiet", po::bool_switch(), "no request log on stdout (one JSON line per request)")
      ("access-log-names", po::bool_switch(), "the access package names the staff who read the subject's data "
       "(default: their roles only; docs/access-log.md)")
      ("log-origin", po::value<std::string>(), "the audit log's name in its checkpoints, a schema-less URL "
       "(default: the one it was first given, else the public URL's host and port + /dsr-log)")
      ("log-key-file", po::value<std::string>(), "the audit log's Ed25519 key (32 bytes, 0600); default: log.key beside the database")
      ("checkpoint-interval", po::value<std::string>()->default_value("10s"), "how often the audit log signs a checkpoint, when it grew");
  return settings;
}

// DSR_KEY_FILE -> "key-file" for the settings above; "" (ignored) for any
// other variable, DSR_CONFIG included (it names the file, see below).
std::string setting_for_variable(const std::string& variable) {
  if (!variable.starts_with("DSR_")) return "";
  std::string name = variable.substr(4);
  for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return all_settings().find_nothrow(name, false) != nullptr ? name : "";
}

std::string variable_for_setting(const std::string& name) {
  std::string variable = "DSR_" + name;
  for (char& c : variable) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return variable;
}

// Only the settings `command` takes: the rest of a shared file or
// environment belongs to other commands.
po::parsed_options taken_by(const po::parsed_options& parsed, const po::options_description& command) {
  po::parsed_options kept(&command);
  for (const auto& option : parsed.options)
    if (command.find_nothrow(option.string_key, false) != nullptr) kept.options.push_back(option);
  return kept;
}

// --config, then DSR_CONFIG, then the default file if it exists.
std::optional<std::filesystem::path> config_file_named(const po::variables_map& flags) {
  if (flags.count("config")) return std::filesystem::path(flags["config"].as<std::string>());
  if (const char* named = std::getenv("DSR_CONFIG"); named != nullptr && *named != '\0')
    return std::filesystem::path(named);
  std::error_code ec;
  if (std::filesystem::exists(kDefaultConfigFile, ec)) return std::filesystem::path(kDefaultConfigFile);
  return std::nullopt;
}

}  // namespace

const po::options_description& all_settings() {
  static const po::options_description settings = make_all_settings();
  return settings;
}

void add_settings(po::options_description& options, std::initializer_list<std::string_view> names) {
  for (auto name : names) {
    bool found = false;
    for (const auto& setting : all_settings().options()) {
      if (setting->long_name() != name) continue;
      options.add(setting);
      found = true;
    }
    if (!found) throw std::logic_error(fmt::format("no setting named {} in app/settings.cpp", name));
  }
}

std::optional<Settings> read_settings(const std::string& command, const std::vector<std::string>& args,
                                      const po::options_description& options,
                                      const po::positional_options_description* positional) {
  po::options_description with_config;
  with_config.add(options).add_options()(
      "config", po::value<std::string>(),
      fmt::format("configuration file (default: {} when it exists)", kDefaultConfigFile).c_str());
  Settings settings;
  std::string reading = "the command line";
  try {
    po::positional_options_description none;  // the parser keeps a pointer: it must outlive run()
    po::command_line_parser parser(args);
    parser.options(with_config);
    parser.positional(positional != nullptr ? *positional : none);
    po::parsed_options flags = parser.run();
    po::store(flags, settings.values);
    for (const auto& o : flags.options)
      if (o.position_key < 0) settings.sources[o.string_key] = "flag";

    // Help needs no settings: it must work where the file cannot be read.
    if (settings.values.count("help")) return settings;

    // First stored wins: what the flags set stays, the environment fills
    // in what they left, the file what both left.
    reading = "the environment";
    po::parsed_options environment = taken_by(po::parse_environment(all_settings(), setting_for_variable), with_config);
    po::store(environment, settings.values);
    for (const auto& o : environment.options)
      settings.sources.try_emplace(o.string_key, "environment " + variable_for_setting(o.string_key));

    settings.config_file = config_file_named(settings.values);
    if (settings.config_file) {
      reading = fmt::format("{}", settings.config_file->string());
      std::error_code ec;
      std::ifstream in(*settings.config_file);
      int open_error = in ? 0 : errno;
      // A directory opens as a stream too, and reads as an empty file
      // (/dev/null, read as empty, is a way to say "no file").
      if (!in || std::filesystem::is_directory(*settings.config_file, ec)) {
        fmt::print(stderr, "dsr {}: cannot read the configuration file {}{}; give another with --config\n", command,
                   settings.config_file->string(),
                   open_error == EACCES ? " (permission denied: on an installed server, run dsr as its user: sudo -u dsr "
                                     "dsr ...)" : "");
        return std::nullopt;
      }
      po::parsed_options file = taken_by(po::parse_config_file(in, all_settings()), with_config);
      po::store(file, settings.values);
      for (const auto& o : file.options)
        settings.sources.try_emplace(o.string_key, "file " + settings.config_file->string());
    }
    po::notify(settings.values);
  } catch (const po::error& e) {
    fmt::print(stderr, "dsr {}: {}: {}; see 'dsr {} --help'\n", command, reading, e.what(), command);
    return std::nullopt;
  }
  for (const auto& option : options.options())
    settings.sources.try_emplace(option->long_name(), "default");
  return settings;
}

std::filesystem::path master_key_path(const po::variables_map& values) {
  if (values.count("key-file") && !values["key-file"].as<std::string>().empty())
    return values["key-file"].as<std::string>();
  std::filesystem::path db = database_file(values.count("db") ? values["db"].as<std::string>() : "var/dsr.db");
  return db.parent_path() / "master.key";
}

std::string database_file(std::string_view db_setting) {
  if (db_setting.starts_with("sqlite:")) db_setting.remove_prefix(7);
  return std::string(db_setting);
}

std::string masked_setting(std::string_view value) {
  // postgresql://user:secret@host/... and key=value strings' password=...
  static const std::regex uri_password(R"(^([a-z]+://[^:/@]*:)[^@]*@)");
  static const std::regex keyword_password(R"((password\s*=\s*)('[^']*'|\S+))");
  std::string text = std::regex_replace(std::string(value), uri_password, "$1***@");
  return std::regex_replace(text, keyword_password, "$1***");
}

}  // namespace dsr::app
