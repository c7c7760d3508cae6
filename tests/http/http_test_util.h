#pragma once

// The fixture shared by the HttpClient suites: a fresh peer server per test, retry sleeps
// scaled down, proxies unset, and helpers to read the peer's JSON answers.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "modelpusher/http.h"
#include "modelpusher/log.h"
#include "peer_process.h"

namespace modelpusher::testing {

inline Poco::JSON::Object::Ptr ParseJson(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

/// The value of header `name` in an /echo answer, or "" (case-insensitive).
inline std::string EchoedHeader(const Poco::JSON::Object::Ptr& echo, const std::string& name) {
  Poco::JSON::Array::Ptr headers = echo->getArray("headers");
  for (size_t i = 0; i < headers->size(); ++i) {
    Poco::JSON::Array::Ptr pair = headers->getArray(static_cast<unsigned>(i));
    if (Poco::icompare(pair->getElement<std::string>(0), name) == 0) {
      return pair->getElement<std::string>(1);
    }
  }
  return "";
}

/// Captures every log line (trace and up) while alive.
class LogCapture {
 public:
  LogCapture() {
    previous_ = log::GetLevel();
    log::SetLevel(LogLevel::kTrace);
    log::SetSink([this](LogLevel, const std::string& line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(line);
    });
  }
  ~LogCapture() {
    log::SetSink(nullptr);
    log::SetLevel(previous_);
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  /// Lines that contain `needle`.
  std::vector<std::string> Matching(const std::string& needle) {
    std::vector<std::string> out;
    for (const auto& line : lines()) {
      if (line.find(needle) != std::string::npos) out.push_back(line);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
  LogLevel previous_;
};

class HttpTest : public ::testing::Test {
 public:
  static HttpRequest Get(const std::string& url) {
    HttpRequest request;
    request.url = url;
    return request;
  }

 protected:
  void SetUp() override {
    IsolateEnvironment();
    SetRetryDelayScaleForTesting(0.01);
    Status started = peer_.Start(extra_peer_args_);
    ASSERT_TRUE(started.ok()) << started.ToString();
  }
  void TearDown() override {
    peer_.Stop();
    SetRetryDelayScaleForTesting(1.0);
  }

  /// Connections the peer accepted on its main port so far.
  int PeerConnections(int port = 0) {
    HttpClient client;  // Its own connection: counted too, after the answer is built.
    HttpRequest request;
    request.url = peer_.OtherUrl("/stats");
    Result<HttpResponse> stats = client.Send(request);
    if (!stats.ok()) return -1;
    Poco::JSON::Object::Ptr counts = ParseJson(stats->body)->getObject("connections");
    std::string key = std::to_string(port == 0 ? peer_.port : port);
    return counts->has(key) ? counts->getValue<int>(key) : 0;
  }

  PeerProcess peer_;
  std::vector<std::string> extra_peer_args_;
};

}  // namespace modelpusher::testing
