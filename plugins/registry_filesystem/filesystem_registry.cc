#include "filesystem_registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>

#include "disk_ops.h"
#include "modelpusher/log.h"
#include "modelpusher/url.h"
#include "modelpusher/versioning.h"
#include "staging_area.h"
#include "version_record.h"

namespace modelpusher::registry_filesystem {
namespace {

using internal::ErrnoStatus;

constexpr char kRecordFolder[] = ".modelpusher";
// A record lists every file; even a model of a million files stays far below this.
constexpr size_t kRecordLimit = 512 << 20;

Result<mode_t> ParseMode(const ConfigValue& value) {
  std::string text = value.text();
  if (text.rfind("0o", 0) == 0) text = text.substr(2);
  bool octal = !text.empty() && text.size() <= 4 &&
               text.find_first_not_of("01234567") == std::string::npos;
  mode_t mode = octal ? static_cast<mode_t>(std::stoul(text, nullptr, 8)) : 0;
  if (!octal || (mode & 0700) != 0700) {
    return value.Error("mode '" + value.text() +
                       "' must be octal digits like 0755 or 2775 that let the owner read, "
                       "write and enter the folder");
  }
  return mode;
}

// A version names one folder: one path component that is not hidden.
Status CheckVersionName(const std::string& version) {
  bool ok = !version.empty() && version.size() <= 200 && version.front() != '.' &&
            std::none_of(version.begin(), version.end(), [](char c) {
              return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
            });
  if (ok) return Status::Ok();
  return InvalidArgumentError("version '" + version +
                              "' cannot name a folder: it must be non-empty, at most 200 "
                              "bytes, not start with '.', and hold no '/', '\\' or control "
                              "character");
}

Status CheckManifest(const PushRequest& request) {
  if (request.files.empty()) {
    return InvalidArgumentError("the model has no files; an empty version folder is not a "
                                "model TF Serving can load, so nothing was published");
  }
  for (const auto& file : request.files) {
    const std::string& path = file.path;
    bool bad = path.empty() || path.front() == '/' || path.find('\0') != std::string::npos;
    for (size_t start = 0; !bad && start <= path.size();) {
      size_t end = std::min(path.find('/', start), path.size());
      std::string segment = path.substr(start, end - start);
      bad = segment.empty() || segment == "." || segment == "..";
      start = end + 1;
    }
    if (bad) {
      return InvalidArgumentError("manifest path '" + path +
                                  "' is not a clean relative path; it would land outside "
                                  "the version folder");
    }
  }
  return Status::Ok();
}

Result<std::string> ReadSmallFile(const std::string& path, bool* missing) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *missing = errno == ENOENT;
    return ErrnoStatus(errno, "while reading " + path);
  }
  std::string out;
  char buffer[64 * 1024];
  ssize_t n = 0;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) out.append(buffer, static_cast<size_t>(n));
    if (out.size() > kRecordLimit) break;
  }
  int err = errno;
  close(fd);
  if (n < 0) return ErrnoStatus(err, "while reading " + path);
  if (out.size() > kRecordLimit) return DataLossError(path + " is too large for a record");
  return out;
}

class FilesystemRegistry : public ModelRegistry {
 public:
  explicit FilesystemRegistry(FilesystemConfig config) : config_(std::move(config)) {
    if (config_.mode.has_value()) {
      modes_.folder = *config_.mode;
      modes_.file = *config_.mode & 0666;
    }
  }

  std::string RepoId() const override { return config_.path; }

  Result<std::vector<VersionInfo>> ListVersions() override {
    MP_ASSIGN_OR_RETURN(std::vector<std::string> names, VersionFolders());
    std::vector<VersionInfo> versions;
    for (const auto& name : names) {
      VersionInfo info;
      info.version = name;
      info.ref = name;
      if (auto record = ReadRecord(name)) {
        info.digest = record->digest;
        info.commit_id = record->digest;
        info.metrics = record->blessing.metrics;
      }
      versions.push_back(std::move(info));
    }
    return versions;
  }

  Result<PushResult> Publish(const PushRequest& request) override {
    auto start = std::chrono::steady_clock::now();
    MP_RETURN_IF_ERROR(CheckVersionName(request.version));
    MP_RETURN_IF_ERROR(CheckManifest(request));
    MP_RETURN_IF_ERROR(CheckOutsideSource(request.source_uri));
    if (request.version.find_first_not_of("0123456789") != std::string::npos) {
      log::Warn("TF Serving loads only numeric version folders; it will ignore this one",
                {{"registry", "filesystem"}, {"version", request.version}});
    }
    MP_ASSIGN_OR_RETURN(std::vector<VersionInfo> versions, ListVersions());
    MP_ASSIGN_OR_RETURN(auto unchanged, FindUnchanged(versions, request));
    if (unchanged.has_value()) return *unchanged;

    MP_RETURN_IF_ERROR(CheckVersionFree(request.version));
    if (request.dry_run) {
      MP_RETURN_IF_ERROR(CheckWritable());
      return ResultFor(PushStatus::kDryRun, request.version, request.digest);
    }
    MP_ASSIGN_OR_RETURN(PushResult result, Write(request));

    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start).count();
    log::Info("published version", {{"registry", "filesystem"}, {"path", config_.path},
                                     {"version", request.version},
                                     {"files", result.files_uploaded},
                                     {"bytes", result.bytes_uploaded},
                                     {"ms", static_cast<int64_t>(ms)}});
    return result;
  }

 private:
  std::string VersionPath(const std::string& version) const {
    return config_.path + "/" + version;
  }
  std::string RecordFolder() const { return config_.path + "/" + kRecordFolder; }

  PushResult ResultFor(PushStatus status, const std::string& version,
                       const std::string& digest) const {
    PushResult result;
    result.status = status;
    result.version = version;
    result.repo_id = config_.path;
    // The folder name is the version: PushRequest::ref is not used (see README.md).
    result.branch = version;
    result.commit_id = digest;
    result.repo_url = "file://" + PercentEncode(VersionPath(version), "/");
    return result;
  }

  // Every non-hidden folder (or link to one) under the root, oldest version first.
  Result<std::vector<std::string>> VersionFolders() const {
    struct stat st {};
    if (stat(config_.path.c_str(), &st) != 0) {
      if (errno == ENOENT) return std::vector<std::string>{};  // Nothing published yet.
      if (errno == ENOTDIR) {
        return FailedPreconditionError("registry path " + config_.path +
                                       " cannot be a folder: a file stands in its way");
      }
      return ErrnoStatus(errno, "while opening the registry folder " + config_.path);
    }
    if (!S_ISDIR(st.st_mode)) {
      return FailedPreconditionError("registry path " + config_.path +
                                     " is a file; point `path` at a folder (it is created "
                                     "when missing)");
    }
    std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir(config_.path.c_str()), &closedir);
    if (dir == nullptr) return ErrnoStatus(errno, "while listing " + config_.path);
    std::vector<std::string> names;
    while (dirent* entry = readdir(dir.get())) {
      std::string name(entry->d_name);
      struct stat child {};
      if (name.empty() || name.front() == '.') continue;
      if (stat((config_.path + "/" + name).c_str(), &child) == 0 && S_ISDIR(child.st_mode)) {
        names.push_back(std::move(name));
      }
    }
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
      int order = CompareVersions(a, b);
      return order != 0 ? order < 0 : a < b;
    });
    return names;
  }

  // A missing or unreadable record is not an error: the version is still there, only what
  // was recorded about it is unknown (its digest is then empty).
  std::optional<VersionRecord> ReadRecord(const std::string& version) const {
    std::string path = RecordFolder() + "/" + version + ".json";
    bool missing = false;
    auto text = ReadSmallFile(path, &missing);
    if (!text.ok()) {
      if (!missing) {
        log::Warn("cannot read version record", {{"error", text.status().message()}});
      }
      return std::nullopt;
    }
    auto record = RecordFromJson(*text, path);
    if (!record.ok() || record->version != version) {
      log::Warn("ignoring a damaged version record",
                {{"path", path}, {"error", record.status().message()}});
      return std::nullopt;
    }
    return std::move(record).value();
  }

  // Only the newest version counts: republishing an older model (a rollback) must make a
  // new version, or TF Serving would keep serving the newest one.
  Result<std::optional<PushResult>> FindUnchanged(const std::vector<VersionInfo>& versions,
                                                  const PushRequest& request) const {
    if (versions.empty()) return std::optional<PushResult>();
    const VersionInfo& newest = versions.back();
    bool same = false;
    if (!newest.digest.empty()) {
      same = newest.digest == request.digest;
    } else {
      // A folder someone else made: compare the trees (sizes first, then sha256).
      MP_ASSIGN_OR_RETURN(same, internal::FolderMatches(VersionPath(newest.version),
                                                        request.files));
    }
    if (!same) return std::optional<PushResult>();
    log::Info("content unchanged", {{"registry", "filesystem"}, {"path", config_.path},
                                    {"version", newest.version}});
    return std::optional<PushResult>(ResultFor(PushStatus::kUnchanged, newest.version,
                                               newest.digest.empty() ? request.digest
                                                                     : newest.digest));
  }

  Status CheckVersionFree(const std::string& version) const {
    struct stat st {};
    if (lstat(VersionPath(version).c_str(), &st) != 0) return Status::Ok();
    return AlreadyExistsError("version " + version + " already exists at " +
                              VersionPath(version) +
                              "; versions are never overwritten: publish a new version, or "
                              "remove that folder first if it really must be replaced");
  }

  // The nearest existing folder on the way to the root must let us create entries.
  Status CheckWritable() const {
    std::filesystem::path probe(config_.path);
    while (true) {
      struct stat st {};
      if (stat(probe.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
          return FailedPreconditionError(probe.string() + " is a file, so the registry "
                                         "folder " + config_.path + " cannot be made");
        }
        if (access(probe.c_str(), W_OK | X_OK) != 0) {
          return ErrnoStatus(errno, "the registry folder's nearest existing parent " +
                                        probe.string() + " is not writable");
        }
        return Status::Ok();
      }
      if (errno != ENOENT || !probe.has_relative_path()) {
        return ErrnoStatus(errno, "while checking " + probe.string());
      }
      probe = probe.parent_path();
    }
  }

  // A registry folder inside the model folder would publish every earlier version inside
  // each new one, growing without end.
  Status CheckOutsideSource(const std::string& source_uri) const {
    std::string source = source_uri;
    if (source.rfind("file://", 0) == 0) source = source.substr(7);
    if (source.find("://") != std::string::npos || source.empty()) return Status::Ok();
    std::error_code ec;
    auto model = std::filesystem::weakly_canonical(source, ec).lexically_normal();
    auto target = std::filesystem::weakly_canonical(config_.path, ec).lexically_normal();
    auto [m, t] = std::mismatch(model.begin(), model.end(), target.begin(), target.end());
    if (m != model.end()) return Status::Ok();
    return InvalidArgumentError("the registry folder " + config_.path +
                                " is inside the model folder " + source +
                                "; each version would contain the earlier ones. Put the "
                                "registry somewhere else");
  }

  // Stage, record, rename into place: a reader sees the whole version or none of it.
  Result<PushResult> Write(const PushRequest& request) {
    MP_RETURN_IF_ERROR(internal::MakeFolders(config_.path, modes_.folder));
    StagingArea::RemoveAbandoned(config_.path);
    MP_RETURN_IF_ERROR(internal::MakeFolder(RecordFolder(), modes_.folder));
    MP_ASSIGN_OR_RETURN(StagingArea staging,
                        StagingArea::Create(config_.path, request.version, modes_));
    MP_ASSIGN_OR_RETURN(uint64_t bytes, staging.CopyFiles(request));
    MP_ASSIGN_OR_RETURN(internal::PendingFile record,
                        internal::PendingFile::Write(RecordFolder(), request.version + ".json",
                                                     RecordToJson(RecordFor(request)),
                                                     modes_.file));

    Status renamed = staging.CommitAs(VersionPath(request.version));
    if (renamed.code() == StatusCode::kAlreadyExists) {
      // Another push of the same version won the race. If it published the same content,
      // this push's work is done: report it as unchanged rather than as a failure.
      auto winner = ReadRecord(request.version);
      if (winner && winner->digest == request.digest) {
        return ResultFor(PushStatus::kUnchanged, request.version, request.digest);
      }
      Status taken = CheckVersionFree(request.version);
      return (taken.ok() ? renamed : taken).WithContext("another push of this version won");
    }
    MP_RETURN_IF_ERROR(renamed);
    // Limitation: the folder and its record cannot be renamed in one step; a crash (or a
    // failed rename) between them leaves a version without a record, which is then listed
    // with an empty digest and compared by tree, so only metadata is lost.
    Status recorded = record.Commit();
    if (!recorded.ok()) {
      log::Warn("version published without its record", {{"error", recorded.message()}});
    }
    Status synced = internal::SyncPath(config_.path);
    if (synced.ok()) synced = internal::SyncPath(RecordFolder());
    if (!synced.ok()) {
      log::Warn("could not sync the registry folder", {{"error", synced.message()}});
    }

    PushResult result = ResultFor(PushStatus::kPushed, request.version, request.digest);
    result.files_uploaded = request.files.size();
    result.bytes_uploaded = bytes;
    return result;
  }

  FilesystemConfig config_;
  Modes modes_;
};

}  // namespace

Result<FilesystemConfig> ParseConfig(const RegistryContext& context) {
  const ConfigValue* config = context.config;
  if (config == nullptr || !config->is_map()) {
    return InvalidArgumentError("a filesystem registry needs a map with at least `path`");
  }
  for (const auto& [key, value] : config->entries()) {
    if (key == "path_in_repo") {
      return value.Error("path_in_repo has no meaning for a filesystem registry: TF Serving "
                         "loads <path>/<version>/ as the model, so the files must sit at the "
                         "top of the version folder; put any sub-folder into `path` instead");
    }
    if (key != "type" && key != "name" && key != "path" && key != "mode") {
      return value.Error("unknown key '" + key +
                         "' for a filesystem registry; it takes type, name, path and mode");
    }
  }
  MP_ASSIGN_OR_RETURN(std::string type, config->RequireString("type"));
  if (type != "filesystem") return config->Find("type")->Error("type must be 'filesystem'");

  FilesystemConfig out;
  MP_ASSIGN_OR_RETURN(std::string path, config->RequireString("path"));
  if (path.empty()) return config->Find("path")->Error("path must not be empty");
  std::filesystem::path full(path);
  if (full.is_relative()) {
    std::error_code ec;
    std::filesystem::path base =
        context.config_dir.empty() ? std::filesystem::current_path(ec)
                                   : std::filesystem::path(context.config_dir);
    full = base / full;
  }
  out.path = full.lexically_normal().string();
  while (out.path.size() > 1 && out.path.back() == '/') out.path.pop_back();

  if (const ConfigValue* mode = config->Find("mode"); mode != nullptr && !mode->is_null()) {
    MP_ASSIGN_OR_RETURN(out.mode, ParseMode(*mode));
  }
  return out;
}

std::unique_ptr<ModelRegistry> MakeFilesystemRegistry(FilesystemConfig config) {
  return std::make_unique<FilesystemRegistry>(std::move(config));
}

Result<std::unique_ptr<ModelRegistry>> MakeFilesystemRegistry(const RegistryContext& context) {
  MP_ASSIGN_OR_RETURN(FilesystemConfig config, ParseConfig(context));
  return MakeFilesystemRegistry(std::move(config));
}

}  // namespace modelpusher::registry_filesystem
