#include "modelpusher/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

namespace modelpusher {

LogField::LogField(std::string_view k, double v) : key(k) {
  std::ostringstream out;
  out.precision(6);
  out << v;
  value = out.str();
}

namespace log {
namespace {

struct LoggerState {
  std::mutex mu;
  std::set<std::string, std::greater<>> secrets;  // longest first matters little; stable.
  LogSink sink;
};

LoggerState& State() {
  static LoggerState* state = new LoggerState();  // Never destroyed: logging at exit works.
  return *state;
}

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kOff: return "off";
  }
  return "?";
}

bool NeedsQuotes(const std::string& v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\n' || c == '\t') return true;
  }
  return false;
}

std::string Quote(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

void SetLevel(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel GetLevel() { return static_cast<LogLevel>(g_level.load()); }
bool Enabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

bool ParseLevel(std::string_view text, LogLevel* out) {
  for (LogLevel l : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn,
                     LogLevel::kError, LogLevel::kOff}) {
    if (text == LevelName(l)) {
      *out = l;
      return true;
    }
  }
  return false;
}

void RegisterSecret(std::string_view secret) {
  if (secret.size() < 4) return;
  auto& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  state.secrets.emplace(secret);
}

std::string Redact(std::string_view text) {
  std::string out(text);
  {
    auto& state = State();
    std::lock_guard<std::mutex> lock(state.mu);
    for (const auto& secret : state.secrets) {
      for (size_t pos = out.find(secret); pos != std::string::npos;
           pos = out.find(secret, pos + 3)) {
        out.replace(pos, secret.size(), "***");
      }
    }
  }
  // Patterns catch what nobody registered: header values, bearer tokens, signed queries.
  static const std::regex kHeader(R"(((?:authorization|proxy-authorization|cookie|set-cookie|x-amz-security-token)\s*[:=]\s*)[^\r\n"]+)",
                                  std::regex::icase);
  static const std::regex kBearer(R"((bearer\s+)[A-Za-z0-9._~+/=-]+)", std::regex::icase);
  static const std::regex kSignedQuery(
      R"(([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|sig|token|access_token|x-goog-signature|x-goog-credential)=)[^&\s"']+)",
      std::regex::icase);
  out = std::regex_replace(out, kHeader, "$1***");
  out = std::regex_replace(out, kBearer, "$1***");
  out = std::regex_replace(out, kSignedQuery, "$1***");
  return out;
}

void SetSink(LogSink sink) {
  auto& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  state.sink = std::move(sink);
}

void Write(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!Enabled(level) || level == LogLevel::kOff) return;
  std::string line = Timestamp() + " " + LevelName(level) + " " + std::string(message);
  for (const auto& f : fields) {
    line += " " + f.key + "=" + (NeedsQuotes(f.value) ? Quote(f.value) : f.value);
  }
  line = Redact(line);

  LogSink sink;
  {
    auto& state = State();
    std::lock_guard<std::mutex> lock(state.mu);
    sink = state.sink;
  }
  if (sink) {
    sink(level, line);
    return;
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace log
}  // namespace modelpusher
