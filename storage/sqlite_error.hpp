// SQLiteCpp throws; the rest of dsr does not. Everything in storage/ that
// touches SQLite runs inside guarded(), which turns an exception into the
// engine's Error with a message an operator can act on.
#pragma once

#include <exception>
#include <string_view>

#include "engine/result.hpp"

namespace dsr::storage {

// `what` says what dsr was doing ("committing request r1").
Error sqlite_error(const std::exception& e, std::string_view what);

// Runs `body` (returning Result<T>) and converts any exception.
template <class F>
auto guarded(std::string_view what, F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(sqlite_error(e, what));
  }
}

}  // namespace dsr::storage
