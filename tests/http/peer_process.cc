#include "peer_process.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "modelpusher/hash.h"

namespace modelpusher::testing {

Status PeerProcess::Start(const std::vector<std::string>& extra_args) {
  char dir_template[] = "/tmp/mp-http-peer-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) return InternalError("mkdtemp failed");
  dir_ = dir_template;
  std::string port_file = dir_ + "/ports.json";

  std::vector<std::string> args = {PYTHON3, "-u", PEER_SERVER_PY, "--port-file", port_file};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = fork();
  if (pid_ < 0) return InternalError("fork failed");
  if (pid_ == 0) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }

  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!std::filesystem::exists(port_file)) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return UnavailableError("peer_server.py exited before listening");
    }
    if (std::chrono::steady_clock::now() > give_up) {
      return UnavailableError("peer_server.py did not write its ports within 20 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::ifstream in(port_file);
  std::stringstream text;
  text << in.rdbuf();
  Poco::JSON::Object::Ptr ports =
      Poco::JSON::Parser().parse(text.str()).extract<Poco::JSON::Object::Ptr>();
  port = ports->getValue<int>("port");
  other_port = ports->getValue<int>("other_port");
  ipv6_port = ports->getValue<int>("ipv6_port");
  tls_port = ports->getValue<int>("tls_port");
  return Status::Ok();
}

void PeerProcess::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    dir_.clear();
  }
}

std::string PeerProcess::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}
std::string PeerProcess::OtherUrl(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(other_port) + path;
}
std::string PeerProcess::Ipv6Url(const std::string& path) const {
  return "http://[::1]:" + std::to_string(ipv6_port) + path;
}
std::string PeerProcess::TlsUrl(const std::string& path) const {
  return "https://127.0.0.1:" + std::to_string(tls_port) + path;
}

Result<size_t> PatternReader::Read(char* buffer, size_t size) {
  // Whole periods of 251 plus one spare period, so a slice may start at any phase.
  static const std::string kPattern = [] {
    std::string pattern(251 * 4097, '\0');
    for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<char>(i % 251);
    return pattern;
  }();
  constexpr size_t kStep = 251 * 4096;
  size_t n = static_cast<size_t>(std::min<uint64_t>({size, size_ - offset_, kStep}));
  std::memcpy(buffer, kPattern.data() + offset_ % 251, n);
  offset_ += n;
  return n;
}

std::string PatternSha256(uint64_t size) {
  Hasher hasher(Hasher::Algorithm::kSha256);
  PatternReader reader(size);
  std::string buffer(1 << 20, '\0');
  while (true) {
    size_t n = *reader.Read(buffer.data(), buffer.size());
    if (n == 0) break;
    hasher.Update(buffer.data(), n);
  }
  return hasher.FinishHex();
}

int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

uint64_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

void IsolateEnvironment() {
  for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                           "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"}) {
    unsetenv(name);
  }
  setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  setenv("GCE_METADATA_HOST", ("127.0.0.1:" + std::to_string(UnusedPort())).c_str(), 1);
  setenv("HF_HUB_DISABLE_XET", "1", 1);
  setenv("HF_HUB_DISABLE_TELEMETRY", "1", 1);
}

}  // namespace modelpusher::testing
