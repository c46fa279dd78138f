// Result<T, E>: a value or an error, returned across layer boundaries instead
// of throwing. A small stand-in for C++23 std::expected, which GCC 12 lacks
// in C++20 mode. Error is the project-wide error with a named category.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace dsr {

enum class ErrorCode {
  invalid_argument,  // the caller sent something malformed
  not_found,         // no such thing, or outside the caller's scope
  conflict,          // stale version, wrong state, reused key
  forbidden,         // known caller, not allowed
  unavailable,       // storage busy, full or read-only: try again later
  internal,          // a bug or a corrupt store: nothing the caller can fix
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;  // says what was wrong and what to do instead
  std::string kind;     // optional finer machine-readable cause, e.g. "four_eyes_violated"

  Error() = default;
  Error(ErrorCode c, std::string m, std::string k = {}) : code(c), message(std::move(m)), kind(std::move(k)) {}

  static Error invalid_argument(std::string m) { return {ErrorCode::invalid_argument, std::move(m)}; }
  static Error not_found(std::string m) { return {ErrorCode::not_found, std::move(m)}; }
  static Error conflict(std::string m) { return {ErrorCode::conflict, std::move(m)}; }
  static Error forbidden(std::string m) { return {ErrorCode::forbidden, std::move(m)}; }
  static Error unavailable(std::string m) { return {ErrorCode::unavailable, std::move(m)}; }
  static Error internal(std::string m) { return {ErrorCode::internal, std::move(m)}; }
};

// Wraps an error so that Result's constructor can tell it from a value even
// when T and E are the same type.
template <class E>
struct Failure {
  E error;
};

template <class E>
Failure<E> fail(E e) {
  return {std::move(e)};
}

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Failure<E> f) : state_(std::in_place_index<1>, std::move(f.error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, E> state_;
};

// Result<void>: success carries nothing.
struct Ok {};
using Status = Result<Ok, Error>;
inline Status ok_status() { return Ok{}; }

}  // namespace dsr
