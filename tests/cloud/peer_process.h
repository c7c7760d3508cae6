#pragma once

// Test-side helpers shared by the s3 and gs plugin tests: run the Python peers and fixture
// writers in tests/cloud/, keep a helper server running in the background, load a plugin the
// way the host does (dlopen + mp_plugin_entry), and compare what a source reads with a mirror
// folder. Header-only on purpose: it is test code, compiled into each test binary.

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "modelpusher/plugin_abi.h"
#include "modelpusher/storage_source.h"

namespace modelpusher::cloudtest {

inline std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// Runs a shell command; returns its stdout, or fails the test (fatally for the caller
/// through *ok) with its exit status.
inline std::string Run(const std::string& command, bool* ok = nullptr) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    if (ok) *ok = false;
    return "";
  }
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  int status = ::pclose(pipe);
  bool good = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (ok) *ok = good;
  if (!good) ADD_FAILURE() << "command failed (" << status << "): " << command << "\n" << output;
  return output;
}

/// KEY=VALUE lines into a map.
inline std::map<std::string, std::string> ParseEnvLines(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

/// A helper server started in the background; its first stdout line is "PORT=<n>". Stopped
/// (its whole process group) by the destructor.
class Background {
 public:
  explicit Background(const std::string& command) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a crashed test
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    pid_ = pid;
    std::string line;
    char c;
    while (::read(fds[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    ::close(fds[0]);
    if (line.rfind("PORT=", 0) == 0) port_ = std::stoi(line.substr(5));
  }
  ~Background() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

inline std::string TestsDir() { return MP_CLOUD_TESTS_DIR; }

/// Starts peers with tests/cloud/peers.py; returns its KEY=VALUE output (empty on failure).
inline std::map<std::string, std::string> StartPeers(const std::string& args) {
  bool ok = false;
  std::string out = Run("python3 " + Quote(TestsDir() + "/peers.py") + " start " + args +
                            " --owner-pid " + std::to_string(::getpid()),
                        &ok);
  return ok ? ParseEnvLines(out) : std::map<std::string, std::string>{};
}

inline void StopPeers(const std::map<std::string, std::string>& peers) {
  auto it = peers.find("MP_PEERS_STATE");
  if (it == peers.end()) return;
  Run("python3 " + Quote(TestsDir() + "/peers.py") + " stop --state " + Quote(it->second));
}

/// The plugin's descriptor, loaded like the host loads it.
inline const mp_plugin_descriptor* LoadPlugin(const std::string& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    ADD_FAILURE() << "dlopen " << path << ": " << ::dlerror();
    return nullptr;
  }
  auto entry = reinterpret_cast<mp_plugin_entry_fn>(::dlsym(handle, MP_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) {
    ADD_FAILURE() << path << " exports no " << MP_PLUGIN_ENTRY_SYMBOL;
    return nullptr;
  }
  return entry();
}

/// Every regular file below `root`, relative path -> content.
inline std::map<std::string, std::string> MirrorFiles(const std::string& root) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> out;
  if (!fs::exists(root)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    out[fs::relative(entry.path(), root).generic_string()] = content.str();
  }
  return out;
}

/// Reads `path` through the source in small chunks (so streaming, not one buffer, is tested).
inline Result<std::string> ReadThrough(StorageSource& source, const std::string& path,
                                       uint64_t offset = 0,
                                       uint64_t length = StorageSource::kToEnd) {
  MP_ASSIGN_OR_RETURN(auto reader, source.Open(path, offset, length));
  std::string out;
  char buffer[8192];
  while (true) {
    MP_ASSIGN_OR_RETURN(size_t n, reader->Read(buffer, sizeof(buffer)));
    if (n == 0) break;
    out.append(buffer, n);
  }
  return out;
}

/// Lists the source and reads every file; returns path -> content, or the first error.
inline Result<std::map<std::string, std::string>> ReadAllFiles(StorageSource& source) {
  MP_ASSIGN_OR_RETURN(auto files, source.List());
  std::map<std::string, std::string> out;
  for (const FileEntry& file : files) {
    MP_ASSIGN_OR_RETURN(std::string content, ReadThrough(source, file.path));
    if (content.size() != file.size) {
      return DataLossError(file.path + ": read " + std::to_string(content.size()) +
                           " bytes, listed " + std::to_string(file.size));
    }
    out[file.path] = std::move(content);
  }
  return out;
}

inline std::string SetFault(const std::string& proxy_url, const std::string& query) {
  return Run("curl -sf " + Quote(proxy_url + "/__fault__/set?" + query));
}

inline std::string FaultStats(const std::string& proxy_url) {
  return Run("curl -sf " + Quote(proxy_url + "/__fault__/stats"));
}

}  // namespace modelpusher::cloudtest
