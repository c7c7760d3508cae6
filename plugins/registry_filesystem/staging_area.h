#pragma once

// Where one version is assembled before it becomes visible: a hidden folder beside the
// version folders, renamed into place in one step.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "modelpusher/model_registry.h"
#include "modelpusher/status.h"

namespace modelpusher::registry_filesystem {

/// Modes for what a publish creates; unset means "0777 / 0666 minus the umask".
struct Modes {
  std::optional<mode_t> folder;
  std::optional<mode_t> file;
};

/// `<root>/.staging-<version>-<random>/`. Removed with its contents on destruction unless
/// CommitAs succeeded. Move-only; not thread safe.
class StagingArea {
 public:
  /// Creates the staging folder; `root` must exist. Its name carries this host and process,
  /// `.staging-<version>-<host>-<pid>-<random>`, so that RemoveAbandoned can tell a folder
  /// left by a killed push from one that is still being written.
  static Result<StagingArea> Create(const std::string& root, const std::string& version,
                                    const Modes& modes);

  /// Removes staging folders under `root` left by pushes on this host whose process no
  /// longer runs (killed with SIGKILL, or the machine crashed). Folders of other hosts
  /// (a shared disk) and of live processes are left alone. Best effort: problems are
  /// logged, never returned.
  static void RemoveAbandoned(const std::string& root);
  StagingArea(StagingArea&& other) noexcept;
  StagingArea& operator=(StagingArea&&) = delete;
  StagingArea(const StagingArea&) = delete;
  ~StagingArea();

  const std::string& path() const { return path_; }

  /// Streams every file of `request` through `request.open` into the staging folder, in
  /// bounded buffers, checking each file's size and sha256 against the manifest as it is
  /// written, then fsyncs every file and folder. Returns the bytes written.
  /// Errors: kDataLoss (size or sha256 differs), kFailedPrecondition (a file and a folder
  /// share a path), those of the opener and the disk (kResourceExhausted when it is full).
  Result<uint64_t> CopyFiles(const PushRequest& request);

  /// Renames the staging folder to `target` unless `target` exists.
  /// Errors: kAlreadyExists (naming `target`), others from the file system.
  Status CommitAs(const std::string& target);

 private:
  StagingArea(std::string path, Modes modes) : path_(std::move(path)), modes_(modes) {}
  Status MakeParents(const std::string& relative);
  Result<uint64_t> CopyOne(const PushRequest& request, const ManifestEntry& file,
                           std::vector<char>& buffer);

  std::string path_;  // Empty once committed or moved from.
  Modes modes_;
  std::set<std::string> folders_;  // Made so far, relative; synced after the files.
};

}  // namespace modelpusher::registry_filesystem
