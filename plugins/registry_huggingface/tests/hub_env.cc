#include "hub_env.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "hf_json.h"
#include "modelpusher/log.h"
#include "modelpusher/testing/fixtures.h"
#include "modelpusher/url.h"
#include "modelpusher/versioning.h"

namespace fs = std::filesystem;
using namespace modelpusher;

namespace hftest {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

std::string MakeTempDir() {
  std::string tmpl = (fs::temp_directory_path() / "hfreg-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  if (made == nullptr) std::abort();
  return made;
}

constexpr const char* kTokensJson = R"({
  "users": {"alice": {"orgs": ["acme"]}, "bob": {"orgs": []}},
  "tokens": [
    {"token": "hf_mptest_write_alice_7c1d", "user": "alice", "role": "write"},
    {"token": "hf_mptest_read_alice_52ab", "user": "alice", "role": "read"},
    {"token": "hf_mptest_write_bob_9e0f", "user": "bob", "role": "write"}
  ]
})";

}  // namespace

HubServer::HubServer(std::vector<std::string> extra_args) {
  workdir_ = MakeTempDir();
  WriteFile(workdir_ + "/tokens.json", kTokensJson);
  std::string port_file = workdir_ + "/ports.json";
  std::vector<std::string> argv = {"python3", std::string(HUB_SERVER_DIR) + "/hub_server.py",
                                   "--data", workdir_ + "/data", "--host", "127.0.0.1",
                                   "--port", "0", "--upload-port", "0", "--port-file", port_file,
                                   "--tokens", workdir_ + "/tokens.json", "--no-default-tokens",
                                   "--quiet", "--max-lifetime", "900",
                                   "--access-log", access_log()};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open((workdir_ + "/server.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(port_file) && fs::file_size(port_file) > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      auto obj = hf::ParseObject(ReadFile(port_file), "port file");
      if (obj.ok()) {
        url_ = hf::GetStr(*obj, "api_url");
        upload_url_ = hf::GetStr(*obj, "upload_url");
        return;
      }
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      ADD_FAILURE() << "hub server exited early: " << ReadFile(workdir_ + "/server.log");
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "hub server did not start: " << ReadFile(workdir_ + "/server.log");
}

HubServer::~HubServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  std::error_code ec;
  fs::remove_all(workdir_, ec);
}

std::string HubServer::RepoDir(const std::string& repo_id) const {
  return workdir_ + "/data/repos/models/" + repo_id + ".git";
}

std::string HubServer::TokenFile(const std::string& token) const {
  std::string path = workdir_ + "/token-" + std::to_string(std::hash<std::string>()(token));
  WriteFile(path, token + "\n");
  return path;
}

HttpResponse HubServer::Get(const std::string& path_and_query, const std::string& token) {
  HttpRequest req;
  req.url = url_ + path_and_query;
  if (!token.empty()) req.headers.Set("Authorization", "Bearer " + token);
  auto r = http_.Send(req);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(*r) : HttpResponse{};
}

Poco::JSON::Object::Ptr HubServer::Stats() {
  auto obj = hf::ParseObject(Get("/_test/stats").body, "stats");
  EXPECT_TRUE(obj.ok());
  return obj.ok() ? *obj : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
}

void HubServer::ResetStats() {
  HttpRequest req;
  req.method = "POST";
  req.url = url_ + "/_test/stats/reset";
  req.body = "{}";
  req.headers.Set("Content-Type", "application/json");
  auto r = http_.Send(req);
  ASSERT_TRUE(r.ok() && r->status == 200);
}

void HubServer::SetFaults(const std::string& json_spec) {
  HttpRequest req;
  req.method = "POST";
  req.url = url_ + "/_test/faults";
  req.body = json_spec;
  req.headers.Set("Content-Type", "application/json");
  auto r = http_.Send(req);
  ASSERT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
}

void HubServer::ResetFaults() {
  HttpRequest req;
  req.method = "DELETE";
  req.url = url_ + "/_test/faults";
  auto r = http_.Send(req);
  ASSERT_TRUE(r.ok() && r->status == 200);
}

std::unique_ptr<hf::HfRegistry> MakeRegistry(HubServer& hub, RegistryOptions o) {
  SourceLocation here{"test.yaml", 1, 1};
  ConfigValue block = ConfigValue::Map(here);
  block.Set("type", ConfigValue::Scalar("huggingface", false, here));
  block.Set("repo", ConfigValue::Scalar(o.repo, false, here));
  block.Set("endpoint", ConfigValue::Scalar(hub.url(), false, here));
  if (!o.token.empty()) {
    ConfigValue ref = ConfigValue::Map(here);
    ref.Set("file", ConfigValue::Scalar(hub.TokenFile(o.token), false, here));
    block.Set("token", ref);
  }
  for (const auto& [k, v] : o.extra) block.Set(k, ConfigValue::Scalar(v, false, here));
  auto cfg = hf::ParseHfConfig(block, hub.workdir());
  EXPECT_TRUE(cfg.ok()) << cfg.status().ToString();
  if (!cfg.ok()) return nullptr;
  HttpClient::Options http;
  http.connect_timeout_s = 5;
  http.io_timeout_s = 60;
  http.retry.deadline_s = 60;
  return std::make_unique<hf::HfRegistry>(std::move(*cfg), o.ref_template, http);
}

Pushable MakePushable(std::map<std::string, std::string> files, const std::string& version,
                      const std::string& ref_template) {
  Pushable p;
  p.source = modelpusher::testing::MakeMemorySource(std::move(files));
  auto ref = RenderRefTemplate(ref_template, version);
  p.request = modelpusher::testing::MakePushRequest(*p.source, version, ref.ok() ? *ref : version);
  p.request.commit_summary = "Publish version " + version;
  p.request.source_uri = "memory://test";
  return p;
}

int RunCommand(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               std::string* output) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    std::vector<std::string> copy = argv;
    std::vector<char*> args;
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) output->append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct LogCapture::State {
  std::mutex mu;
  std::vector<std::string> lines;
};

LogCapture::LogCapture() : state_(std::make_shared<State>()) {
  auto state = state_;
  log::SetLevel(LogLevel::kTrace);
  log::SetSink([state](LogLevel, const std::string& line) {
    std::lock_guard<std::mutex> lock(state->mu);
    state->lines.push_back(line);
  });
}

LogCapture::~LogCapture() {
  log::SetSink(nullptr);
  log::SetLevel(LogLevel::kInfo);
}

std::vector<std::string> LogCapture::Lines() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->lines;
}

bool LogCapture::Contains(const std::string& needle) const {
  for (const auto& l : Lines()) {
    if (l.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string RandomBytes(size_t size, uint32_t seed) {
  std::string out(size, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x & 0xff);
  }
  if (size > 0) out[0] = '\0';  // binary for sure
  return out;
}

std::string TextOfSize(size_t size, char fill) {
  std::string out(size, fill);
  for (size_t i = 63; i < size; i += 64) out[i] = '\n';
  return out;
}

std::string Resolve(HubServer& hub, const std::string& repo, const std::string& rev,
                    const std::string& path, const std::string& token) {
  auto r = hub.Get("/" + repo + "/resolve/" + PercentEncode(rev) + "/" + PercentEncode(path, "/"),
                   token);
  EXPECT_EQ(r.status, 200) << path << " at " << rev;
  return r.body;
}

int64_t StatInt(const Poco::JSON::Object::Ptr& stats, const std::string& key) {
  Poco::JSON::Object::Ptr obj = stats;
  std::string rest = key;
  for (size_t dot; (dot = rest.find('.')) != std::string::npos; rest = rest.substr(dot + 1)) {
    obj = hf::GetObj(obj, rest.substr(0, dot));
  }
  return hf::GetInt(obj, rest, -1);
}

}  // namespace hftest
