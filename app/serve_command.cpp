// dsr serve: the composition root. Loads and checks the definitions, opens
// the key file and the database, builds the engine's services over the
// storage layer, and serves the HTTP API until SIGINT or SIGTERM.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include <unistd.h>

#include "api/routes.hpp"
#include "api/server.hpp"
#include "app/cli.hpp"
#include "app/commands.hpp"
#include "app/definition_files.hpp"
#include "app/audit_log_key.hpp"
#include "app/command_database.hpp"
#include "app/message_sinks.hpp"
#include "app/notification_worker.hpp"
#include "app/options.hpp"
#include "app/outbox_worker.hpp"
#include "app/settings.hpp"
#include "app/storage_backend.hpp"
#include "app/trouble_log.hpp"
#include "storage/crypto.hpp"
#include "app/report_scheduler.hpp"
#include "engine/request_service.hpp"
#include "engine/request_timers.hpp"

namespace dsr::app {
namespace {

bool loopback(const std::string& host) { return host == "127.0.0.1" || host == "::1" || host == "localhost"; }

std::string random_code() {
  // Six digits, uniformly from the CSPRNG.
  auto bytes = storage::random_bytes(4);
  std::uint32_t n = (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) | bytes[3];
  while (n >= 4294000000u) {  // reject the tail so that every code is equally likely
    bytes = storage::random_bytes(4);
    n = (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) | bytes[3];
  }
  return fmt::format("{:06}", n % 1000000);
}

}  // namespace

int serve_command(const std::vector<std::string>& args) {
  namespace po = boost::program_options;
  po::options_description options("Usage: dsr serve [options]\n\nOptions");
  options.add_options()("help,h", "show this help");
  // dsr serve takes every setting: the configuration file is written for it.
  for (const auto& setting : all_settings().options()) options.add(setting);
  auto parsed = parse_options("serve", args, options);
  if (!parsed) return kExitUsage;
  const auto& vm = *parsed;
  if (vm.count("help")) {
    print_help(options);
    return kExitOk;
  }
  if (vm.count("tls-cert") != vm.count("tls-key")) {
    fmt::print(stderr, "dsr serve: --tls-cert and --tls-key go together; give both or neither\n");
    return kExitUsage;
  }
  bool tls = vm.count("tls-cert") > 0;
  if (vm.count("client-ca") && !tls) {
    fmt::print(stderr, "dsr serve: --client-ca needs TLS: client certificates are only asked for over HTTPS; give "
                       "--tls-cert and --tls-key too (behind a TLS proxy, the proxy checks client certificates)\n");
    return kExitUsage;
  }
  if (vm.count("client-crl") && !vm.count("client-ca")) {
    fmt::print(stderr, "dsr serve: --client-crl goes with --client-ca, the CAs whose certificates it revokes\n");
    return kExitUsage;
  }
  std::unique_ptr<api::ClientCertificateVerifier> client_certificates;
  if (vm.count("client-ca")) {
    auto opened = api::ClientCertificateVerifier::open(vm["client-ca"].as<std::string>(),
                                                       vm.count("client-crl") ? vm["client-crl"].as<std::string>() : "");
    if (!opened) {
      fmt::print(stderr, "dsr serve: {}\n", opened.error().message);
      return kExitUsage;
    }
    client_certificates = std::move(*opened);
  }
  const auto& listen = vm["listen"].as<std::string>();
  auto colon = listen.rfind(':');
  unsigned port = 0;
  if (colon == std::string::npos || colon == 0 ||
      std::sscanf(listen.c_str() + colon + 1, "%u", &port) != 1 || port > 65535) {
    fmt::print(stderr, "dsr serve: --listen \"{}\" is not HOST:PORT, e.g. 127.0.0.1:8080\n", listen);
    return kExitUsage;
  }
  std::string host = listen.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
  if (!tls && !loopback(host) && !vm["insecure-listen"].as<bool>()) {
    fmt::print(stderr, "dsr serve: plain HTTP on {} would expose personal data: give --tls-cert and --tls-key, listen "
                       "on loopback, or give --insecure-listen behind a TLS proxy\n", host);
    return kExitUsage;
  }

  auto definitions = load_definitions_from(vm.count("workflows") ? vm["workflows"].as<std::string>() : "");
  if (!definitions) {
    for (const auto& e : definitions.error()) fmt::print(stderr, "{}\n", e.to_string());
    fmt::print(stderr, "dsr serve: refusing to start with invalid definitions ({} error(s))\n",
               definitions.error().size());
    return kExitFailed;
  }
  const std::string& policy = vm["policy"].as<std::string>();
  if (definitions->policies.policy(policy) == nullptr) {
    fmt::print(stderr, "dsr serve: unknown --policy \"{}\"; see 'dsr workflows check' for the list\n", policy);
    return kExitUsage;
  }
  // Deadlines this year and next must never meet a calendar without holidays.
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  int this_year = static_cast<int>(std::chrono::year_month_day(today).year());
  std::array<int, 2> years{this_year, this_year + 1};
  if (auto gaps = check_calendar_coverage(definitions->policies, years); !gaps.empty()) {
    for (const auto& e : gaps) fmt::print(stderr, "{}\n", e.to_string());
    fmt::print(stderr, "dsr serve: refusing to start: calendars must cover {} and {}\n", years[0], years[1]);
    return kExitFailed;
  }
  // A quarter ahead, a warning at every start: on 1 January the check above
  // moves on a year, and refuses to start without the year after next.
  auto new_year = std::chrono::sys_days(std::chrono::year{this_year + 1} / std::chrono::January / 1);
  if (new_year - today <= std::chrono::days{92}) {
    std::array<int, 1> after_next{this_year + 2};
    for (const auto& e : check_calendar_coverage(definitions->policies, after_next))
      fmt::print(stderr, "dsr serve: warning: {}; from 1 January {}, dsr serve will refuse to start without it\n",
                 e.to_string(), this_year + 1);
  }
  std::optional<ReportSchedule> report_schedule;
  if (vm.count("report-schedule")) {
    report_schedule = parse_report_schedule(vm["report-schedule"].as<std::string>());
    if (!report_schedule) {
      fmt::print(stderr, "dsr serve: --report-schedule \"{}\" is not understood; give \"daily HH:MM\" (24-hour "
                         "clock, in the policy's time zone), e.g. \"daily 07:00\"\n",
                 vm["report-schedule"].as<std::string>());
      return kExitUsage;
    }
  }
  auto report_locale = api::parse_locale(vm["report-lang"].as<std::string>());
  if (!report_locale) {
    fmt::print(stderr, "dsr serve: --report-lang {} is not id (Indonesian) or en (English)\n",
               vm["report-lang"].as<std::string>());
    return kExitUsage;
  }
  std::optional<std::chrono::seconds> durations[6];
  const char* duration_options[6] = {"webhook-timeout", "retry-delay", "delivery-horizon", "timer-interval",
                                     "retention-interval", "checkpoint-interval"};
  for (int i = 0; i < 6; ++i) {
    durations[i] = parse_duration(vm[duration_options[i]].as<std::string>());
    if (!durations[i] || durations[i]->count() == 0) {
      fmt::print(stderr, "dsr serve: --{} \"{}\" is not a duration such as 30s, 15m, 72h or 7d\n", duration_options[i],
                 vm[duration_options[i]].as<std::string>());
      return kExitUsage;
    }
  }
  RetrySchedule retries;
  retries.first_delay = *durations[1];
  retries.max_delay = std::max(retries.first_delay, std::chrono::seconds(std::chrono::hours(1)));
  retries.horizon = *durations[2];
  api::WebhookClientOptions webhook_options;
  if (vm.count("webhook-ca")) webhook_options.ca_file = vm["webhook-ca"].as<std::string>();
  webhook_options.response_timeout = *durations[0];
  auto webhooks = api::WebhookClient::create(webhook_options);
  if (!webhooks) {
    fmt::print(stderr, "dsr serve: {}\n", webhooks.error().message);
    return kExitUsage;
  }
  auto sink = make_message_sink(vm["message-sink"].as<std::string>(), **webhooks,
                                vm["message-sink-secret-file"].as<std::string>());
  if (!sink) {
    fmt::print(stderr, "dsr serve: {}\n", sink.error().message);
    return kExitUsage;
  }
  auto files = data_files("serve", vm);
  if (auto* exit_code = std::get_if<int>(&files)) return *exit_code;
  const DataFiles& data = std::get<DataFiles>(files);
  // As many connections to PostgreSQL as threads that may wait on one.
  auto opened = open_serve_storage(data, std::max(4u, 2 * vm["threads"].as<unsigned>()), listen);
  if (auto* exit_code = std::get_if<int>(&opened)) return *exit_code;
  StorageBackend& backend = *std::get<0>(opened);
  StoragePorts& ports = backend.ports();
  SystemClock clock;
  SubjectNotices notices(definitions->messages, definitions->policies, ports.vault, ports.store);
  RequestService requests(definitions->workflows, definitions->policies, ports.store, clock,
                          [] { return storage::time_ordered_id("r-"); }, {&notices, &ports.notifications});

  api::ApiContext context{definitions->workflows,
                          definitions->policies,
                          requests,
                          ports.store,
                          ports.vault,
                          ports.tokens,
                          ports.codes,
                          ports.disclosures,
                          ports.signer,
                          ports.audit,
                          notices,
                          ports.notifications,
                          clock,
                          policy,
                          [] { return storage::random_id(24); },
                          random_code,
                          [] { return storage::time_ordered_id("r-"); },
                          [](std::string_view body) { return storage::to_hex(storage::hash({storage::as_bytes(body)})); },
                          {},
                          [&backend] { return backend.readiness(); }};
  api::HttpMetrics http_metrics;
  context.http_metrics = &http_metrics;
  // The request log: one line per answer on stdout, written by a thread of
  // its own; declared before the server, so destroyed after it, and every
  // line written before dsr exits.
  std::optional<api::RequestLog> request_log;
  if (!vm["quiet"].as<bool>()) {
    request_log.emplace(STDOUT_FILENO);
    context.request_log = &*request_log;
  }
  auto reports = backend.sla_reports(definitions->policies);
  context.reports = reports.get();
  context.token_admin = &ports.tokens;
  context.audit_log = &ports.audit_log;
  context.consents = &ports.consents;
  context.policy_archive = &ports.policy_archive;
  context.subject_notices = &ports.subject_notices;
  context.access_log = &ports.access_log;
  context.access_log_names = vm["access-log-names"].as<bool>();
  if (client_certificates) context.staff_certificates = &ports.staff_certificates;
  auto router = api::build_router(context);
  api::ServerOptions server_options;
  server_options.address = host;
  server_options.port = static_cast<std::uint16_t>(port);
  server_options.threads = vm["threads"].as<unsigned>();
  server_options.public_rate_per_minute = vm["public-rate"].as<unsigned>();
  server_options.auth_failures_per_minute = vm["auth-failure-rate"].as<unsigned>();
  if (vm.count("trusted-proxy")) server_options.trusted_proxy = vm["trusted-proxy"].as<std::string>();
  server_options.request_log = request_log ? &*request_log : nullptr;
  server_options.metrics = &http_metrics;
  if (tls) {
    server_options.tls_certificate = vm["tls-cert"].as<std::string>();
    server_options.tls_private_key = vm["tls-key"].as<std::string>();
    server_options.client_certificates = client_certificates.get();
  }
  server_options.read_timeout = std::chrono::seconds(std::max(1u, vm["read-timeout"].as<unsigned>()));
  server_options.idle_timeout = std::chrono::seconds(std::max(1u, vm["idle-timeout"].as<unsigned>()));
  api::Server server(server_options, *router);
  if (auto listening = server.listen(); !listening) {
    fmt::print(stderr, "dsr serve: {}\n", listening.error().message);
    return kExitFailed;
  }
  std::string public_url = vm.count("public-url")
                               ? vm["public-url"].as<std::string>()
                               : fmt::format("{}://{}:{}", tls ? "https" : "http",
                                             host.find(':') != std::string::npos ? "[" + host + "]" : host, server.port());
  while (public_url.ends_with('/')) public_url.pop_back();
  // The audit log's key, once the origin (from the public URL) is known;
  // nothing is served before server.run().
  auto log_key = open_audit_log_key(vm, data, backend, origin_from_url(public_url), true);
  if (!log_key) {
    fmt::print(stderr, "dsr serve: {}\n", log_key.error().message);
    return kExitUsage;
  }
  backend.use_log_key(log_key->get());
  // The workers stop (their destructors join) before the server and the
  // stores they use go away.
  OutboxWorker outbox_worker(ports.outbox, {ports.receipts, requests}, **sink, clock, retries);
  NotificationWorker notification_worker(ports.notice_queue, **webhooks, clock, retries, public_url);
  RequestTimers timers(requests, ports.store, definitions->workflows, definitions->policies, clock);
  PeriodicWorker timer_worker(*durations[3], [&timers, &backend] {
    // One node at a time: two would race to fire the same reminder (the
    // loser's change is refused as stale, but it costs and it is logged).
    if (auto mine = backend.hold_duty("timers"); !mine || !*mine) return false;
    auto done = timers.run_once();
    if (done.reminded + done.expired + done.completed + done.failed > 0)
      fmt::print(stderr, "dsr: timers: {} reminded, {} expired, {} completed, {} to retry\n", done.reminded,
                 done.expired, done.completed, done.failed);
    return false;
  });
  std::optional<ReportScheduler> report_scheduler;
  if (report_schedule)
    report_scheduler.emplace(*reports, definitions->policies, definitions->policies.policy(policy)->time_zone,
                             *report_schedule, vm["report-dir"].as<std::string>(), clock, *report_locale,
                             backend.report_slots());
  // Checks twice a minute; writes only when a scheduled report is missing.
  PeriodicWorker report_worker(std::chrono::seconds(30), [&report_scheduler] {
    if (!report_scheduler) return false;
    auto written = report_scheduler->run_once();
    if (!written) fmt::print(stderr, "dsr: reports: {}\n", written.error().message);
    else if (!written->empty()) fmt::print(stderr, "dsr: reports: wrote {}\n", written->string());
    return false;
  }, WorkerPriority::background);
  report_worker.poke();  // a report missed while the server was down: at once
  // Retention (docs/retention.md): at start, then every --retention-interval.
  const RetentionRules& retention = definitions->policies.policy(policy)->retention;
  PeriodicWorker retention_worker(*durations[4], [&] {
    auto swept = backend.sweep_retention(definitions->policies, retention, clock.now());
    if (!swept) {
      fmt::print(stderr, "dsr: retention: {}\n", swept.error().message);
    } else if (swept->removed_anything()) {
      fmt::print(stderr, "dsr: retention: removed {} verification codes, {} message payloads, {} idempotent answers; "
                         "shredded {} subject records ({} kept under legal hold)\n",
                 swept->verification_codes, swept->message_payloads, swept->idempotency_answers,
                 swept->subjects_shredded.size(), swept->subjects_on_hold);
    }
    return false;
  }, WorkerPriority::background);
  retention_worker.poke();
  // A checkpoint of the audit log when it grew, at most every --checkpoint-interval.
  TroubleLog checkpoint_trouble("audit log checkpoints");
  PeriodicWorker checkpoint_worker(*durations[5], [&] {
    if (auto made = backend.sign_checkpoint(**log_key); !made) checkpoint_trouble.failed(made.error().message);
    else checkpoint_trouble.succeeded();
    return false;
  }, WorkerPriority::background);
  checkpoint_worker.poke();
  // On PostgreSQL, new journal entries get their places in the log soon
  // after their commit (one node at a time, storage/postgres/pg_sequencer.hpp),
  // so that a checkpoint and the proofs in an access package can cover them.
  TroubleLog sequencer_trouble("audit log sequencer");
  std::optional<PeriodicWorker> sequencer;
  if (backend.sequenced_after_commit())
    sequencer.emplace(std::chrono::milliseconds(200), [&] {
      auto placed = backend.sequence();
      if (!placed) sequencer_trouble.failed(placed.error().message);
      else sequencer_trouble.succeeded();
      return placed && *placed > 0;
    });
  // The request log writes stdout with write(2); anything printed there
  // through stdio goes out a whole line at a time beside it.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  fmt::print(stderr, "dsr serve: listening on {}://{}:{} ({} workflows, {} policies, default {}, on {})\n",
             tls ? "https" : "http", host, server.port(), definitions->workflows.types().size(), definitions->policies.policy_ids().size(),
             policy, backend.description());
  if (client_certificates)
    fmt::print(stderr, "dsr serve: staff may sign in with client certificates from {}{} (dsr staff add)\n",
               vm["client-ca"].as<std::string>(),
               vm.count("client-crl") ? ", revocations from " + vm["client-crl"].as<std::string>() : "");
  fmt::print(stderr, "dsr serve: create the first admin token with: dsr token create --role admin --name <you>{}{}\n",
             vm["db"].defaulted() ? "" : " --db '" + masked_setting(vm["db"].as<std::string>()) + "'",
             data.key_named ? " --key-file " + data.key.string() : "");
  server.run();
  if (request_log) request_log->stop();  // the last lines, before "stopped"
  fmt::print(stderr, "dsr serve: stopped\n");
  return kExitOk;
}

}  // namespace dsr::app
