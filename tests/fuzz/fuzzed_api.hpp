// The API under fuzz_http_request: every route of build_router() over the
// real storage layer on a private in-memory SQLite database, wired as
// `dsr serve` wires it (app/serve_command.cpp), but with a clock that
// never moves, a fixed one-time code (123456) and counters for ids and
// tracking-token secrets, so that a run depends only on its inputs.
//
// At start it issues one bearer token per staff role and files two
// requests through the router for two subjects on file: "ours" (verified
// with its code) and "theirs" (left verifying). The fuzzer cannot guess
// those secrets, so inputs name them by placeholder (substitute()).
//
// One thread drives it; handlers may answer on the storage writer's
// thread, and call() waits for that.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "api/api_context.hpp"
#include "api/router.hpp"
#include "engine/clock.hpp"
#include "engine/role.hpp"

namespace dsr::fuzz {

// A subject on file and the request filed for it at start.
struct PlantedRequest {
  std::string nik;
  std::string id;
  std::string tracking_token;
};

struct Answers;  // what one call was answered, counted

class FuzzedApi {
 public:
  FuzzedApi();  // aborts, saying why, if the API cannot be set up
  ~FuzzedApi();

  // Dispatches `request` and returns its answer, once every handler it set
  // off has finished. Aborts if there is no answer, or more than one.
  api::HttpResponse call(const api::HttpRequest& request);

  // `input` with each placeholder replaced by its secret: "@admin",
  // "@system", "@verifier", "@reviewer", "@supervisor", "@auditor",
  // "@institution" (bearer tokens of those roles), "@tracking" and
  // "@tracking-other" (the tracking tokens of ours and theirs), "@id" and
  // "@id-other" (their request ids).
  std::string substitute(std::string input) const;

  const api::Router& router() const { return *router_; }
  // The size of the in-memory database (page count x page size), for
  // DSR_FUZZ_STATS.
  std::int64_t database_bytes() const;
  // The role of a staff bearer token issued at start, if it is one.
  std::optional<Role> staff_role(const std::string& token) const;
  const PlantedRequest& ours() const { return ours_; }
  const PlantedRequest& theirs() const { return theirs_; }

 private:
  struct Parts;
  PlantedRequest plant(const std::string& nik, const std::string& email, const std::string& organization);

  std::unique_ptr<Parts> parts_;
  std::unique_ptr<api::Router> router_;
  std::map<std::string, Role> staff_;  // token -> role
  PlantedRequest ours_, theirs_;
  std::shared_ptr<Answers> previous_;  // the last call's answers, checked again at the next
};

}  // namespace dsr::fuzz
