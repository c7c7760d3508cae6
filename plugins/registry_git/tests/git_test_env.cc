#include "git_test_env.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "modelpusher/testing/fixtures.h"

namespace fs = std::filesystem;

namespace modelpusher::git::testing {

CommandResult Run(const std::string& command, const std::string& cwd) {
  std::string full = (cwd.empty() ? "" : "cd '" + cwd + "' && ") + "(" + command + ") 2>&1";
  CommandResult result;
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    result.output.append(buffer.data(), n);
  }
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string MustRun(const std::string& command, const std::string& cwd) {
  CommandResult result = Run(command, cwd);
  EXPECT_EQ(result.exit_code, 0) << command << "\n" << result.output;
  while (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
  return result.output;
}

Sandbox::Sandbox() {
  std::string pattern = (fs::temp_directory_path() / "mp-git-test-XXXXXX").string();
  root_ = mkdtemp(pattern.data());
  std::string home = Folder("home");
  setenv("HOME", home.c_str(), 1);
  setenv("XDG_CONFIG_HOME", (home + "/.config").c_str(), 1);
  setenv("GIT_TERMINAL_PROMPT", "0", 1);
  setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
  for (const char* v : {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"}) {
    unsetenv(v);
  }
  MustRun("git config --global user.name 'Test Seeder' && "
          "git config --global user.email seeder@example.invalid && "
          "git config --global init.defaultBranch main && git lfs install --skip-repo");
}

Sandbox::~Sandbox() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

std::string Sandbox::Folder(const std::string& name) const {
  std::string path = root_ + "/" + name;
  fs::create_directories(path);
  return path;
}

void MakeBareRepo(const std::string& path, const std::map<std::string, std::string>& files) {
  MustRun("git init -q --bare -b main '" + path + "'");
  if (files.empty()) return;
  std::string work = path + ".seed";
  MustRun("git init -q -b main '" + work + "'");
  modelpusher::testing::WriteTree(work, files);
  MustRun("git add -A && git commit -q -m seed && git push -q '" + path + "' main", work);
  fs::remove_all(work);
}

std::map<std::string, std::string> CloneFiles(const std::string& url, const std::string& ref,
                                              const std::string& dir) {
  MustRun("git clone -q --branch '" + ref + "' '" + url + "' '" + dir + "'");
  MustRun("git lfs pull", dir);
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    std::string rel = fs::relative(entry.path(), dir).generic_string();
    if (rel == ".git" || rel.rfind(".git/", 0) == 0 || !entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    files[rel] = content.str();
  }
  return files;
}

std::string RefsOf(const std::string& bare_repo) {
  return MustRun("git --git-dir='" + bare_repo + "' for-each-ref");
}

ConfigValue Scalar(const std::string& text) { return ConfigValue::Scalar(text, true, {}); }

ConfigValue List(const std::vector<std::string>& items) {
  ConfigValue list = ConfigValue::List({});
  for (const std::string& item : items) list.Append(Scalar(item));
  return list;
}

ConfigValue EnvSecret(const std::string& variable) {
  ConfigValue ref = ConfigValue::Map({});
  ref.Set("env", Scalar(variable));
  return ref;
}

ConfigValue MakeConfig(const std::map<std::string, std::string>& scalars,
                       const std::map<std::string, ConfigValue>& extra) {
  ConfigValue block = ConfigValue::Map({"test.yaml", 1, 1});
  block.Set("type", Scalar("git"));
  for (const auto& [key, value] : scalars) block.Set(key, Scalar(value));
  for (const auto& [key, value] : extra) block.Set(key, value);
  return block;
}

GitServer::GitServer(const std::string& root, const std::string& token) {
  int out[2];
  if (pipe(out) != 0) ADD_FAILURE() << "pipe failed";
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // a crashed test must not leave the server behind
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<std::string> args = {"python3", GIT_SERVER_SCRIPT, "--root", root, "--port", "0"};
    if (!token.empty()) args.insert(args.end(), {"--token", token});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp("python3", argv.data());
    _exit(127);
  }
  close(out[1]);
  FILE* stream = fdopen(out[0], "r");
  char line[256] = {0};
  // The server prints "PORT <n>" once it listens.
  if (stream && fgets(line, sizeof(line), stream) && std::sscanf(line, "PORT %d", &port_) == 1) {
    fclose(stream);
    return;
  }
  if (stream) fclose(stream);
  ADD_FAILURE() << "the git server did not start: " << line;
}

GitServer::~GitServer() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

std::string GitServer::Url(const std::string& repo) const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/" + repo;
}

std::string GitServer::Admin(const std::string& path) {
  return MustRun("python3 -c \"import urllib.request,sys;"
                 "print(urllib.request.urlopen(urllib.request.Request("
                 "'http://127.0.0.1:" + std::to_string(port_) + path +
                 "', method='POST')).read().decode())\"");
}

void GitServer::FailReceivePack(int count) {
  Admin("/_admin/fail_receive_pack?count=" + std::to_string(count));
}

int GitServer::LfsUploads() { return std::stoi(Admin("/_admin/lfs_uploads")); }

}  // namespace modelpusher::git::testing
