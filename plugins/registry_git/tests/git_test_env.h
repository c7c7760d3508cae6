#pragma once

// Test helpers: the real git and git-lfs, scratch repositories, and the loopback git server.

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "modelpusher/config_value.h"
#include "modelpusher/model_registry.h"

namespace modelpusher::git::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

/// Runs `command` with /bin/sh in `cwd` (empty: the current folder).
CommandResult Run(const std::string& command, const std::string& cwd = "");

/// Runs `command` and fails the current test when it exits non-zero; returns its output
/// with the trailing newline removed.
std::string MustRun(const std::string& command, const std::string& cwd = "");

/// A scratch folder with a private HOME (git and git-lfs configured there), removed at exit.
class Sandbox {
 public:
  Sandbox();
  ~Sandbox();
  const std::string& root() const { return root_; }
  /// A new empty folder below the sandbox.
  std::string Folder(const std::string& name) const;

 private:
  std::string root_;
};

/// `git init --bare -b main` at `path`; when `files` is not empty, a first commit on main
/// holding them (committed with the real git, LFS not involved).
void MakeBareRepo(const std::string& path, const std::map<std::string, std::string>& files = {});

/// `git clone` + `git lfs pull` of `ref`; returns every file of the worktree (path ->
/// bytes), .git excluded.
std::map<std::string, std::string> CloneFiles(const std::string& url, const std::string& ref,
                                              const std::string& dir);

/// `git for-each-ref` of a bare repository: what "refs untouched" compares.
std::string RefsOf(const std::string& bare_repo);

/// A registry block: scalars by key, plus `extra` nodes (lists, maps) set verbatim.
ConfigValue MakeConfig(const std::map<std::string, std::string>& scalars,
                       const std::map<std::string, ConfigValue>& extra = {});
ConfigValue Scalar(const std::string& text);
ConfigValue List(const std::vector<std::string>& items);
ConfigValue EnvSecret(const std::string& variable);

/// The loopback git server (tests/git_server/git_server.py): smart HTTP through
/// `git http-backend` plus an LFS batch endpoint and object store.
class GitServer {
 public:
  /// Serves the bare repositories below `root`; writes need `token` when non-empty.
  GitServer(const std::string& root, const std::string& token);
  ~GitServer();
  std::string Url(const std::string& repo) const;
  /// Makes the next `count` git-receive-pack POSTs (pushes) fail with HTTP 500.
  void FailReceivePack(int count);
  /// LFS objects the server accepted through PUT since it started.
  int LfsUploads();

 private:
  std::string Admin(const std::string& path);
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace modelpusher::git::testing
