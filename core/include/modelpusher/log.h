#pragma once

// The core logger. Everything logs through it, to stderr; results go to stdout.
//
// Levels: error (the push failed), warn (it went on, but something is off: a retry, a
// refused plugin), info (one line per user-visible step), debug (per file and request),
// trace (wire detail). Lines carry structured fields: `msg key=value key="a b"`.
//
// Redaction: every line passes through Redact() before it is written, so a token registered
// with RegisterSecret, an Authorization header, or a signed URL's query never reaches the
// log even when a caller forgets. Thread safe.

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>

namespace modelpusher {

enum class LogLevel { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

/// A key and a value; numbers are formatted in full.
struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, int64_t v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, uint64_t v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, unsigned v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, double v);
  std::string key;
  std::string value;
};

namespace log {

void SetLevel(LogLevel level);
LogLevel GetLevel();
bool Enabled(LogLevel level);

/// Parses "trace", "debug", "info", "warn", "error", "off". Returns false if unknown.
bool ParseLevel(std::string_view text, LogLevel* out);

void Write(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

inline void Trace(std::string_view m, std::initializer_list<LogField> f = {}) {
  Write(LogLevel::kTrace, m, f);
}
inline void Debug(std::string_view m, std::initializer_list<LogField> f = {}) {
  Write(LogLevel::kDebug, m, f);
}
inline void Info(std::string_view m, std::initializer_list<LogField> f = {}) {
  Write(LogLevel::kInfo, m, f);
}
inline void Warn(std::string_view m, std::initializer_list<LogField> f = {}) {
  Write(LogLevel::kWarn, m, f);
}
inline void Error(std::string_view m, std::initializer_list<LogField> f = {}) {
  Write(LogLevel::kError, m, f);
}

/// From now on, `secret` is replaced by "***" in every log line and in every text passed to
/// Redact(). Secrets shorter than 4 characters are ignored (they would mangle ordinary text).
void RegisterSecret(std::string_view secret);

/// Removes registered secrets, `Authorization:`/`Cookie:` header values, bearer tokens, and
/// the query of any URL that carries a signature or token (X-Amz-Signature, sig, token, ...).
std::string Redact(std::string_view text);

/// Replaces where lines go (default: stderr). The sink sees redacted, formatted lines
/// without a trailing newline. Pass nullptr to restore stderr. For tests and the CLI.
using LogSink = std::function<void(LogLevel level, const std::string& line)>;
void SetSink(LogSink sink);

}  // namespace log
}  // namespace modelpusher
