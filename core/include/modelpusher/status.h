#pragma once

// Status and Result<T>: how everything in modelpusher that can fail reports it.
//
// No exception crosses a public interface. Third-party exceptions (Poco, yaml-cpp) and
// libgit2 return codes are converted once, in the adapter that calls them, into a Status
// whose message says what was being done, to which object, the cause, and what to do.

#include <cassert>
#include <string>
#include <utility>
#include <optional>

namespace modelpusher {

/// A small, closed set of error codes in the spirit of Abseil's canonical codes.
/// Choosing between close codes:
/// - kInvalidArgument: the input is wrong whatever the state of the world (bad config key).
/// - kFailedPrecondition: the input is fine but the world is not in the needed state
///   (version branch already exists, blessing folder holds both markers).
/// - kUnauthenticated: no or invalid credentials; kPermissionDenied: valid, but not allowed.
/// - kUnavailable: transient; retrying the same call later may succeed.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kFailedPrecondition,
  kUnavailable,
  kResourceExhausted,
  kCancelled,
  kUnimplemented,
  kDataLoss,
  kInternal,
};

/// Returns the lower-case name of a code, e.g. "not_found". Never null.
const char* StatusCodeName(StatusCode code);

/// An error code and a message. An OK status has an empty message and costs nothing.
/// Thread safety: a Status is a value; distinct objects may be used from distinct threads.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// Returns a copy whose message is "context: message". OK stays OK.
  Status WithContext(const std::string& context) const;

  /// "not_found: message", or "ok".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

Status InvalidArgumentError(std::string message);
Status NotFoundError(std::string message);
Status AlreadyExistsError(std::string message);
Status PermissionDeniedError(std::string message);
Status UnauthenticatedError(std::string message);
Status FailedPreconditionError(std::string message);
Status UnavailableError(std::string message);
Status ResourceExhaustedError(std::string message);
Status CancelledError(std::string message);
Status UnimplementedError(std::string message);
Status DataLossError(std::string message);
Status InternalError(std::string message);

/// Converts an errno value from a failed system call into a Status: "doing: strerror". The
/// code follows the errno (ENOENT/ENOTDIR not found, EACCES/EPERM/EROFS permission denied
/// with `permission_hint` appended, ENOSPC/EDQUOT resource exhausted, EEXIST already exists,
/// ELOOP failed precondition, anything else internal). Thread safe.
Status ErrnoToStatus(int err, const std::string& doing, const std::string& permission_hint = "");

/// A value or the Status that explains why there is none. Constructing a Result from an OK
/// Status is a programming error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design, like expected.
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.ok());
    if (status_.ok()) status_ = Status(StatusCode::kInternal, "Result made from an OK status");
  }

  bool ok() const { return value_.has_value(); }

  /// The error, or an OK status when a value is held.
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T ValueOr(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  // Two plain members rather than a std::variant: GCC 12 at -O2 miscompiled a
  // Result<std::optional<T>> held in a variant (a has_value() check on the extracted
  // optional was dropped), and the members cost one empty Status at most.
  std::optional<T> value_;
  Status status_;
};

namespace internal {
inline Status AsStatus(Status s) { return s; }
template <typename T>
Status AsStatus(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace modelpusher

#define MP_CONCAT_INNER(a, b) a##b
#define MP_CONCAT(a, b) MP_CONCAT_INNER(a, b)

/// Returns from the enclosing function when `expr` (a Status or Result) is not OK.
#define MP_RETURN_IF_ERROR(expr)                                               \
  do {                                                                         \
    ::modelpusher::Status mp_status_ = ::modelpusher::internal::AsStatus(expr); \
    if (!mp_status_.ok()) return mp_status_;                                   \
  } while (false)

/// `MP_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a Result, or returns its error.
#define MP_ASSIGN_OR_RETURN(lhs, expr) \
  MP_ASSIGN_OR_RETURN_IMPL(MP_CONCAT(mp_result_, __LINE__), lhs, expr)
#define MP_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
