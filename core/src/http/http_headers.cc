// HttpHeaders and the Retry-After parser: the small value types of http.h.

#include <algorithm>
#include <cctype>
#include <string>

#include "modelpusher/http.h"

namespace modelpusher {
namespace {

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

}  // namespace

void HttpHeaders::Add(std::string name, std::string value) {
  entries_.emplace_back(std::move(name), std::move(value));
}

void HttpHeaders::Set(const std::string& name, std::string value) {
  Remove(name);
  Add(name, std::move(value));
}

void HttpHeaders::Remove(const std::string& name) {
  std::erase_if(entries_, [&](const auto& entry) { return SameName(entry.first, name); });
}

std::optional<std::string> HttpHeaders::Get(std::string_view name) const {
  for (const auto& [key, value] : entries_) {
    if (SameName(key, name)) return value;
  }
  return std::nullopt;
}

std::optional<double> RetryAfterSeconds(const HttpHeaders& headers) {
  std::optional<std::string> value = headers.Get("Retry-After");
  if (!value) return std::nullopt;

  // RFC 9110 10.2.3: delay-seconds is 1*DIGIT; anything else is the HTTP-date form, which
  // we ignore rather than trust a clock that may disagree with the server's.
  std::string_view text = *value;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (text.empty() || text.size() > 9) return std::nullopt;
  double seconds = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return seconds;
}

}  // namespace modelpusher
