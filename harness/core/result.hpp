// Result<T, E>: a value or an error, shaped like std::expected (C++23) so that it can be
// replaced by it later. Errors of the harness are values; exceptions are for programmer bugs.
#pragma once

#include <cerrno>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sockgrade {

// An error the user or the machine caused, with the errno when a syscall failed.
struct Error {
  std::string message;
  int code = 0;
};

// "what: strerror(err)", the message style of every failed syscall.
Error errno_error(std::string_view what, int err = errno);

template <class E>
struct Unexpected {
  E error;
};
template <class E>
Unexpected<std::decay_t<E>> unexpected(E&& e) {
  return {std::forward<E>(e)};
}
// The failure of a harness operation (a file missing, a bad lab, a port taken): an Error, not a
// student's failure (that is grading::failed(), an Outcome).
inline Unexpected<Error> error_result(std::string message) { return {Error{std::move(message), 0}}; }

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  template <class G>
  Result(Unexpected<G> u) : v_(std::in_place_index<1>, E(std::move(u.error))) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& error() const& { return std::get<1>(v_); }
  E&& error() && { return std::get<1>(std::move(v_)); }
  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, E> v_;
};

template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  template <class G>
  Result(Unexpected<G> u) : error_(E(std::move(u.error))), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const E& error() const& { return error_; }
  E&& error() && { return std::move(error_); }

 private:
  E error_{};
  bool ok_ = true;
};

}  // namespace sockgrade

// Early return of the error of an expression of type Result<T, E>, in a function whose
// return type is constructible from Unexpected<E>.
#define SG_CONCAT_INNER(a, b) a##b
#define SG_CONCAT(a, b) SG_CONCAT_INNER(a, b)
#define SG_CHECK(expr)                                                  \
  do {                                                                  \
    auto&& sg_check_result = (expr);                                    \
    if (!sg_check_result) return ::sockgrade::unexpected(std::move(sg_check_result).error()); \
  } while (0)
#define SG_TRY_IMPL(tmp, decl, expr)                                          \
  auto tmp = (expr);                                                          \
  if (!tmp) return ::sockgrade::unexpected(std::move(tmp).error());           \
  decl = std::move(tmp).value()
// SG_TRY(auto x, f()) declares x from the value of f() or returns its error.
#define SG_TRY(decl, expr) SG_TRY_IMPL(SG_CONCAT(sg_try_, __LINE__), decl, expr)
