// The audit log (docs/audit-log.md): its verifier key, signed checkpoints
// and consistency proofs for anyone (hashes only, no personal data), the
// leaves for auditors and admins.
#include <charconv>

#include <fmt/format.h>

#include "api/route_support.hpp"
#include "engine/merkle.hpp"
#include "api/routes.hpp"

namespace dsr::api {
namespace {

// The key ID inside a verifier key "<origin>+<key id>+<base64>".
std::string verifier_key_id_of(std::string_view verifier_key) {
  auto plus = verifier_key.find('+');
  return plus == std::string_view::npos ? "" : std::string(verifier_key.substr(plus + 1, 8));
}

std::optional<std::uint64_t> number(std::string_view text) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

// from and to from the query, both required; or the 422 to answer.
std::variant<std::pair<std::uint64_t, std::uint64_t>, HttpResponse> range_of(const HttpRequest& http, Locale l) {
  auto query = http.query();
  std::vector<FieldError> errors;
  std::uint64_t bounds[2] = {0, 0};
  const char* names[2] = {"from", "to"};
  for (int i = 0; i < 2; ++i) {
    auto it = query.find(names[i]);
    auto n = it == query.end() ? std::nullopt : number(it->second);
    if (!n) errors.push_back({names[i], "a whole number of log entries is required"});
    else bounds[i] = *n;
  }
  if (!errors.empty()) return validation_problem(l, errors);
  return std::pair{bounds[0], bounds[1]};
}

struct TileName {
  int level = 0;
  std::uint64_t index = 0;
  unsigned width = 256;
};

// "<L>/<N>[.p/<W>]", N in C2SP tlog-tiles' path form: three-digit groups,
// every one but the last with an "x" before it (1234067: x001/x234/067).
std::optional<TileName> parse_tile(std::string_view path) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto slash = path.find('/', start);
    parts.push_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2) return std::nullopt;
  TileName tile;
  auto level = number(parts[0]);
  if (!level || *level > 7 || parts[0].size() != 1) return std::nullopt;
  tile.level = static_cast<int>(*level);
  std::size_t last = parts.size() - 1;
  if (parts.size() >= 3 && parts[last - 1].ends_with(".p")) {
    auto width = number(parts[last]);
    if (!width || *width == 0 || *width >= 256 || parts[last][0] == '0') return std::nullopt;
    tile.width = static_cast<unsigned>(*width);
    parts[last - 1].remove_suffix(2);
    parts.pop_back();
    last = parts.size() - 1;
  }
  for (std::size_t i = 1; i <= last; ++i) {
    std::string_view group = parts[i];
    if (i < last) {
      if (!group.starts_with('x')) return std::nullopt;
      group.remove_prefix(1);
    }
    auto digits = number(group);
    if (!digits || group.size() != 3 || (i == 1 && i < last && *digits == 0)) return std::nullopt;
    tile.index = tile.index * 1000 + *digits;
  }
  return tile;
}

bool unavailable(ApiContext& context, const HttpRequest& http, Respond& respond) {
  if (context.audit_log != nullptr) return false;
  respond(problem_for(Error::unavailable("this server keeps no audit log"), locale_of(http)));
  return true;
}

// A route over a range of the log: reads ?from=&to=, asks `read` for what
// it holds there (a list of strings), and answers with `view` of it; an
// out-of-range request is 422 naming `to`.
template <class Read, class View>
void answer_range(ApiContext& context, const HttpRequest& http, Respond respond, Read read, View view) {
  if (unavailable(context, http, respond)) return;
  Locale l = locale_of(http);
  auto range = range_of(http, l);
  if (auto* answer = std::get_if<HttpResponse>(&range)) return respond(std::move(*answer));
  auto [from, to] = std::get<0>(range);
  Result<std::vector<std::string>> found = read(*context.audit_log, from, to);
  if (!found) {
    if (found.error().code == ErrorCode::invalid_argument)
      return respond(validation_problem(l, {{"to", found.error().message}}));
    return respond(problem_for(found.error(), l));
  }
  respond(json_response(200, view(from, to, *found)));
}

HttpResponse note_response(std::string note) {
  HttpResponse r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(note);
  return r;
}


}  // namespace

void add_log_routes(Router& router, ApiContext& context) {
  router.add({"GET", "/v1/log/key", "The audit log's verifier key (C2SP signed-note)", {true, false, {}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                if (unavailable(context, http, respond)) return;
                auto key = context.audit_log->verifier_key();
                if (!key) return respond(problem_for(key.error(), locale_of(http)));
                auto listed = context.audit_log->keys();
                if (!listed) return respond(problem_for(listed.error(), locale_of(http)));
                // Every key the log has had: checkpoints name theirs by key_id.
                boost::json::array keys;
                for (const auto& k : *listed) {
                  boost::json::object item{{"verifier_key", k.verifier_key},
                                           {"key_id", k.key_id},
                                           {"state", k.retired_at ? "retired" : "in_force"},
                                           {"retired_at", nullptr}};
                  if (k.retired_at) {
                    item["retired_at"] = format_rfc3339(*k.retired_at);
                    item["handover"] = k.handover;
                  }
                  keys.push_back(std::move(item));
                }
                if (keys.empty())  // before the database recorded it (a fresh log)
                  keys.push_back(boost::json::object{{"verifier_key", *key}, {"key_id", verifier_key_id_of(*key)},
                                                     {"state", "in_force"}, {"retired_at", nullptr}});
                respond(json_response(200, {{"verifier_key", *key}, {"keys", std::move(keys)}}));
              }});
  router.add({"GET", "/v1/log/checkpoint", "The latest signed checkpoint (C2SP tlog-checkpoint in a signed note)",
              {true, false, {}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                if (unavailable(context, http, respond)) return;
                auto note = context.audit_log->latest_checkpoint();
                if (!note) return respond(problem_for(note.error(), locale_of(http)));
                respond(note_response(std::move(*note)));
              }});
  router.add({"GET", "/v1/log/checkpoints/{size}", "The checkpoint signed at a size", {true, false, {}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams& params, Respond respond) {
                if (unavailable(context, http, respond)) return;
                auto size = number(params.at("size"));
                if (!size) return respond(problem_for(Error::not_found("no checkpoint at that size"), locale_of(http)));
                auto note = context.audit_log->checkpoint(*size);
                if (!note) return respond(problem_for(note.error(), locale_of(http)));
                respond(note_response(std::move(*note)));
              }});
  router.add({"GET", "/v1/log/consistency", "A consistency proof between two sizes of the log (RFC 6962)",
              {true, false, {}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                answer_range(
                    context, http, std::move(respond),
                    [](AuditLogReader& log, std::uint64_t from, std::uint64_t to) { return log.consistency(from, to); },
                    [](std::uint64_t from, std::uint64_t to, const std::vector<std::string>& proof) {
                      boost::json::array hashes(proof.begin(), proof.end());
                      return boost::json::object{{"from", from}, {"to", to}, {"proof", std::move(hashes)}};
                    });
              }});
  router.add({"GET", "/v1/log/tile/{tile...}", "A C2SP tlog-tiles hash tile: <L>/<N>[.p/<W>]", {true, false, {}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams& params, Respond respond) {
                if (unavailable(context, http, respond)) return;
                auto name = parse_tile(params.at("tile"));
                if (!name) return respond(problem_for(Error::not_found("not a tile path: <L>/<N>[.p/<W>]"), locale_of(http)));
                auto hashes = context.audit_log->tile(name->level, name->index, name->width);
                if (!hashes) return respond(problem_for(hashes.error(), locale_of(http)));
                HttpResponse r;
                r.content_type = "application/octet-stream";
                r.body = std::move(*hashes);
                respond(std::move(r));
              }});
  router.add({"GET", "/v1/log/entries", "The log's leaves [from, to), at most 1000 (auditor, admin)",
              {false, false, {Role::auditor, Role::admin}},
              [&context](const HttpRequest& http, const Caller&, const RouteParams&, Respond respond) {
                answer_range(
                    context, http, std::move(respond),
                    [](AuditLogReader& log, std::uint64_t from, std::uint64_t to) { return log.entries(from, to); },
                    [](std::uint64_t from, std::uint64_t, const std::vector<std::string>& leaves) {
                      boost::json::array entries;
                      std::uint64_t index = from;
                      for (const auto& leaf : leaves)
                        entries.push_back(boost::json::object{{"index", index++}, {"leaf", merkle::base64(leaf)}});
                      return boost::json::object{{"entries", std::move(entries)}};
                    });
              }});
}

}  // namespace dsr::api
