#include "oci_layout_registry.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <set>
#include <utility>
#include <vector>

#include "json.h"
#include "modelpusher/hash.h"
#include "modelpusher/log.h"
#include "modelpusher/parallel.h"
#include "modelpusher/storage_source.h"

namespace oci_layout {
namespace {

namespace fs = std::filesystem;
using modelpusher::ManifestEntry;
using modelpusher::ModelRegistry;
using modelpusher::PushRequest;
using modelpusher::PushResult;
using modelpusher::PushStatus;
using modelpusher::Result;
using modelpusher::Status;
using modelpusher::VersionInfo;

constexpr size_t kChunk = 1 << 20;
// index.json, manifests and configs are small; anything larger is not ours.
constexpr size_t kSmallFileLimit = 64 << 20;
// Beside the OCI files in the layout's root; OCI tools ignore other names.
constexpr char kLockFile[] = ".modelpusher.lock";
constexpr char kStagingDir[] = ".modelpusher-staging";

// Maps errno to a code a scheduler can act on, with the operation, the path and a remedy.
Status ErrnoError(const std::string& doing, const std::string& path, int err) {
  std::string message = doing + " " + path + ": " + std::strerror(err);
  switch (err) {
    case EACCES:
    case EPERM:
    case EROFS:
      return modelpusher::PermissionDeniedError(
          message + "; give the user running modelpusher write access to the folder");
    case ENOSPC:
    case EDQUOT:
      return modelpusher::ResourceExhaustedError(message + "; free space and push again");
    case ENOENT:
      return modelpusher::NotFoundError(message);
    default:
      return modelpusher::InternalError(message);
  }
}

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Status WriteAll(int fd, const char* data, size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("writing", path, errno);
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

void SyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);  // Best effort: a failure here only weakens durability after a crash.
  ::close(fd);
}

// Reads a small file whole. `*missing` is set (and an empty string returned) when it does
// not exist.
Result<std::string> ReadSmallFile(const std::string& path, bool* missing) {
  *missing = false;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0 && errno == ENOENT) {
    *missing = true;
    return std::string();
  }
  if (fd.get() < 0) return ErrnoError("opening", path, errno);
  std::string out;
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError("reading", path, errno);
    if (n == 0) return out;
    out.append(buffer, static_cast<size_t>(n));
    if (out.size() > kSmallFileLimit) {
      return modelpusher::DataLossError(path + " is larger than " +
                                        std::to_string(kSmallFileLimit >> 20) +
                                        " MiB: it is not an OCI index or manifest");
    }
  }
}

// A unique temporary file in the staging folder (same filesystem as the blobs, so the final
// rename is atomic), removed on scope exit unless committed.
class TempFile {
 public:
  static Result<TempFile> Make(const std::string& dir) {
    std::string path = dir + "/blob-XXXXXX";
    int fd = ::mkstemp(path.data());
    if (fd < 0) return ErrnoError("creating a temporary file in", dir, errno);
    ::fchmod(fd, 0644);  // mkstemp makes 0600; blobs are as readable as the rest.
    return TempFile(std::move(path), fd);
  }
  TempFile(TempFile&& other) noexcept
      : path_(std::exchange(other.path_, std::string())), fd_(std::exchange(other.fd_, -1)) {}
  TempFile& operator=(TempFile&&) = delete;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }

  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

  // Makes the bytes durable, then gives them their final name in one rename(2).
  Status Commit(const std::string& target) {
    int fd = std::exchange(fd_, -1);
    if (::fsync(fd) != 0) {
      int err = errno;
      ::close(fd);
      return ErrnoError("syncing", path_, err);
    }
    if (::close(fd) != 0) return ErrnoError("closing", path_, errno);
    if (::rename(path_.c_str(), target.c_str()) != 0) {
      return ErrnoError("renaming " + path_ + " to", target, errno);
    }
    path_.clear();
    return Status::Ok();
  }

 private:
  TempFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
};

// Serialises publishers of one layout, across processes, with flock(2). Readers do not
// lock: they read index.json, which is only ever replaced whole.
// Limitation: flock is advisory and not reliable on every network filesystem; two hosts
// publishing into one NFS folder at the same moment could race on index.json, and the last
// writer's index would win (the blobs of both stay intact).
class LayoutLock {
 public:
  static Result<LayoutLock> Acquire(const std::string& root) {
    std::string path = root + "/" + kLockFile;
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoError("opening the lock file", path, errno);
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return ErrnoError("locking", path, err);
    }
    return LayoutLock(fd);
  }
  LayoutLock(LayoutLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  LayoutLock(const LayoutLock&) = delete;
  LayoutLock& operator=(const LayoutLock&) = delete;
  ~LayoutLock() {
    if (fd_ >= 0) ::close(fd_);  // Closing releases the lock.
  }

 private:
  explicit LayoutLock(int fd) : fd_(fd) {}
  int fd_;
};

// The OCI layout grammar for ref names: alphanumeric components joined by one of -._:@+
// (or "--") and by '/'. We check the characters and the ends, which rules out everything
// a tool would refuse in practice.
Status CheckRefName(const std::string& ref) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  bool ok = !ref.empty() && ref.size() <= 255 && alnum(ref.front()) && alnum(ref.back()) &&
            ref.find("//") == std::string::npos;
  for (char c : ref) {
    ok = ok && (alnum(c) || std::strchr("-._:@+/", c) != nullptr);
  }
  if (ok) return Status::Ok();
  return modelpusher::InvalidArgumentError(
      "ref '" + ref + "' is not a valid OCI reference name: use letters, digits and "
      "-._:@+/ only, starting and ending with a letter or digit (set versioning.ref)");
}

json::Value Descriptor(const std::string& media_type, const std::string& hex, uint64_t size) {
  json::Value d = json::Value::Object();
  d.Set("mediaType", json::Value::String(media_type));
  d.Set("digest", json::Value::String("sha256:" + hex));
  d.Set("size", json::Value::Number(size));
  return d;
}

json::Value ConfigDocument(const PushRequest& request) {
  json::Value metrics = json::Value::Object();
  for (const auto& [name, value] : request.blessing.metrics) {
    metrics.Set(name, json::Value::Number(value));
  }
  json::Value blessing = json::Value::Object();
  blessing.Set("rule", json::Value::String(request.blessing.rule));
  blessing.Set("reason", json::Value::String(request.blessing.reason));
  json::Value config = json::Value::Object();
  config.Set("version", json::Value::String(request.version));
  config.Set("ref", json::Value::String(request.ref));
  config.Set("digest", json::Value::String(request.digest));
  config.Set("source", json::Value::String(request.source_uri));
  config.Set("summary", json::Value::String(request.commit_summary));
  config.Set("description", json::Value::String(request.commit_description));
  config.Set("blessing", std::move(blessing));
  config.Set("metrics", std::move(metrics));
  return config;
}

class OciLayoutRegistry : public ModelRegistry {
 public:
  explicit OciLayoutRegistry(std::string root) : root_(std::move(root)) {}

  std::string RepoId() const override { return root_; }

  // No exception may leave a plugin's object: the only ones possible here come from the
  // standard library (allocation), and they become kInternal.
  Result<std::vector<VersionInfo>> ListVersions() override {
    try {
      MP_ASSIGN_OR_RETURN(json::Value index, ReadIndex());
      return Versions(index, /*with_metrics=*/true);
    } catch (const std::exception& e) {
      return modelpusher::InternalError("listing the versions in " + root_ + ": " + e.what());
    }
  }

  Result<PushResult> Publish(const PushRequest& request) override {
    try {
      return DoPublish(request);
    } catch (const std::exception& e) {
      return modelpusher::InternalError("publishing " + request.version + " to " + root_ +
                                        ": " + e.what());
    }
  }

 private:
  Result<PushResult> DoPublish(const PushRequest& request);
  std::string BlobDir() const { return root_ + "/blobs/sha256"; }
  std::string BlobPath(const std::string& hex) const { return BlobDir() + "/" + hex; }
  std::string Staging() const { return root_ + "/" + kStagingDir; }

  Status MakeFolders() const;
  Result<json::Value> ReadIndex() const;
  Result<json::Value> ReadJsonBlob(const std::string& digest) const;
  Result<std::vector<VersionInfo>> Versions(const json::Value& index, bool with_metrics) const;
  Result<bool> WriteFileBlob(const PushRequest& request, const ManifestEntry& file) const;
  Result<std::string> WriteSmallBlob(const std::string& content) const;
  Status WriteIndex(const json::Value& index) const;
  PushResult ResultFor(PushStatus status, const VersionInfo& version) const;

  std::string root_;
};

Status OciLayoutRegistry::MakeFolders() const {
  std::error_code ec;
  fs::create_directories(BlobDir(), ec);
  if (!ec) fs::create_directories(Staging(), ec);
  if (ec) return ErrnoError("creating the OCI layout folders in", root_, ec.value());
  return Status::Ok();
}

// The index as stored, or an empty one when the layout does not exist yet.
Result<json::Value> OciLayoutRegistry::ReadIndex() const {
  const std::string path = root_ + "/index.json";
  bool missing = false;
  MP_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, &missing));
  if (missing) {
    json::Value index = json::Value::Object();
    index.Set("schemaVersion", json::Value::Number(uint64_t{2}));
    index.Set("mediaType", json::Value::String(kIndexMediaType));
    index.Set("manifests", json::Value::Array());
    return index;
  }
  MP_ASSIGN_OR_RETURN(json::Value index, json::Parse(text, path));
  const json::Value* manifests = index.Find("manifests");
  if (!index.is_object() || manifests == nullptr || !manifests->is_array()) {
    return modelpusher::DataLossError(path + " has no \"manifests\" list: it is not an OCI "
                                      "image index; point `path` at an OCI layout folder");
  }
  return index;
}

Result<json::Value> OciLayoutRegistry::ReadJsonBlob(const std::string& digest) const {
  if (digest.rfind("sha256:", 0) != 0) {
    return modelpusher::DataLossError("blob digest '" + digest + "' in " + root_ +
                                      " is not a sha256 digest");
  }
  const std::string path = BlobPath(digest.substr(7));
  bool missing = false;
  MP_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, &missing));
  if (missing) {
    return modelpusher::DataLossError("blob " + path + " named by the index is missing");
  }
  return json::Parse(text, path);
}

// Index entries that modelpusher wrote, in index order (oldest first). Entries other tools
// added (without our version annotation) are kept in the file but not listed.
Result<std::vector<VersionInfo>> OciLayoutRegistry::Versions(const json::Value& index,
                                                             bool with_metrics) const {
  std::vector<VersionInfo> out;
  for (const json::Value& entry : index.Find("manifests")->items()) {
    const json::Value* annotations = entry.Find("annotations");
    if (annotations == nullptr || annotations->GetString(kVersionAnnotation).empty()) continue;
    VersionInfo info;
    info.version = annotations->GetString(kVersionAnnotation);
    info.ref = annotations->GetString(kRefNameAnnotation);
    info.digest = annotations->GetString(kDigestAnnotation);
    info.commit_id = entry.GetString("digest");
    if (with_metrics) {
      MP_ASSIGN_OR_RETURN(json::Value manifest, ReadJsonBlob(info.commit_id));
      const json::Value* config = manifest.Find("config");
      std::string config_digest = config != nullptr ? config->GetString("digest") : "";
      MP_ASSIGN_OR_RETURN(json::Value document, ReadJsonBlob(config_digest));
      if (const json::Value* metrics = document.Find("metrics"); metrics != nullptr) {
        for (const auto& [name, value] : metrics->members()) {
          double number = 0;
          if (value.AsDouble(&number)) info.metrics[name] = number;
        }
      }
    }
    out.push_back(std::move(info));
  }
  return out;
}

// Streams one file into its blob, unless the layout already holds that content. Returns
// whether it wrote.
Result<bool> OciLayoutRegistry::WriteFileBlob(const PushRequest& request,
                                              const ManifestEntry& file) const {
  const std::string target = BlobPath(file.sha256);
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) == file.size) {
    modelpusher::log::Debug("oci-layout: blob already stored", {{"path", file.path}});
    return false;
  }
  MP_ASSIGN_OR_RETURN(TempFile temp, TempFile::Make(Staging()));
  MP_ASSIGN_OR_RETURN(auto reader,
                      request.open(file, 0, modelpusher::StorageSource::kToEnd));
  modelpusher::Hasher hasher(modelpusher::Hasher::Algorithm::kSha256);
  std::vector<char> buffer(kChunk);
  uint64_t total = 0;
  while (true) {
    auto n = reader->Read(buffer.data(), buffer.size());
    if (!n.ok()) return n.status().WithContext("reading " + file.path);
    if (*n == 0) break;
    hasher.Update(buffer.data(), *n);
    MP_RETURN_IF_ERROR(WriteAll(temp.fd(), buffer.data(), *n, temp.path()));
    total += *n;
    if (request.progress != nullptr) request.progress->Advance(file.path, *n);
  }
  // The manifest was hashed when the push started; the source may have changed since.
  std::string sha256 = hasher.FinishHex();
  if (total != file.size || sha256 != file.sha256) {
    return modelpusher::DataLossError(
        file.path + " changed while it was being published (read " + std::to_string(total) +
        " bytes with sha256 " + sha256 + ", expected " + std::to_string(file.size) +
        " bytes with " + file.sha256 + "); nothing was published: push again");
  }
  MP_RETURN_IF_ERROR(temp.Commit(target));
  return true;
}

// Writes a small blob (config or manifest) and returns its "sha256:<hex>" digest.
Result<std::string> OciLayoutRegistry::WriteSmallBlob(const std::string& content) const {
  const std::string hex = modelpusher::Sha256Hex(content);
  MP_ASSIGN_OR_RETURN(TempFile temp, TempFile::Make(Staging()));
  MP_RETURN_IF_ERROR(WriteAll(temp.fd(), content.data(), content.size(), temp.path()));
  MP_RETURN_IF_ERROR(temp.Commit(BlobPath(hex)));
  return "sha256:" + hex;
}

// Replaces index.json in one rename: the moment a version becomes visible.
Status OciLayoutRegistry::WriteIndex(const json::Value& index) const {
  const std::string layout_file = root_ + "/oci-layout";
  if (::access(layout_file.c_str(), F_OK) != 0) {
    MP_ASSIGN_OR_RETURN(TempFile marker, TempFile::Make(Staging()));
    const std::string text = R"({"imageLayoutVersion":"1.0.0"})";
    MP_RETURN_IF_ERROR(WriteAll(marker.fd(), text.data(), text.size(), marker.path()));
    MP_RETURN_IF_ERROR(marker.Commit(layout_file));
  }
  const std::string text = index.Dump();
  MP_ASSIGN_OR_RETURN(TempFile temp, TempFile::Make(Staging()));
  MP_RETURN_IF_ERROR(WriteAll(temp.fd(), text.data(), text.size(), temp.path()));
  SyncDir(BlobDir());  // Every blob the new index names is durable before the index is.
  MP_RETURN_IF_ERROR(temp.Commit(root_ + "/index.json"));
  SyncDir(root_);
  return Status::Ok();
}

PushResult OciLayoutRegistry::ResultFor(PushStatus status, const VersionInfo& version) const {
  PushResult result;
  result.status = status;
  result.version = version.version;
  result.repo_id = root_;
  result.branch = version.ref;
  result.commit_id = version.commit_id;
  // The notation oras and skopeo accept for a version in an OCI layout.
  result.repo_url = "oci:" + root_ + ":" + version.ref;
  return result;
}

Result<PushResult> OciLayoutRegistry::DoPublish(const PushRequest& request) {
  MP_RETURN_IF_ERROR(CheckRefName(request.ref));
  if (request.version.empty()) return modelpusher::InvalidArgumentError("empty version");

  // A dry run creates nothing, not even the folder or the lock file.
  std::unique_ptr<LayoutLock> lock;
  if (!request.dry_run) {
    MP_RETURN_IF_ERROR(MakeFolders());
    MP_ASSIGN_OR_RETURN(LayoutLock held, LayoutLock::Acquire(root_));
    lock = std::make_unique<LayoutLock>(std::move(held));
  }
  MP_ASSIGN_OR_RETURN(json::Value index, ReadIndex());
  MP_ASSIGN_OR_RETURN(std::vector<VersionInfo> versions, Versions(index, false));

  if (!versions.empty() && versions.back().digest == request.digest) {
    modelpusher::log::Info("oci-layout: content unchanged",
                           {{"version", versions.back().version}, {"layout", root_}});
    return ResultFor(PushStatus::kUnchanged, versions.back());
  }
  for (const VersionInfo& existing : versions) {
    if (existing.ref == request.ref || existing.version == request.version) {
      return modelpusher::AlreadyExistsError(
          "version " + request.version + " (ref " + request.ref + ") already exists in " +
          root_ + " as version " + existing.version + " (ref " + existing.ref +
          "); versions are never overwritten: publish under a new version");
    }
  }
  VersionInfo published{request.version, request.ref, "", request.digest, {}};
  if (request.dry_run) return ResultFor(PushStatus::kDryRun, published);

  // Limitation: blobs written before a failure stay in blobs/sha256 without a manifest that
  // names them; nothing collects them, because telling them from blobs another publisher is
  // about to reference needs the lock for the whole scan. The retry reuses them, so they cost
  // disk space only. Files a crashed process left in the staging folder stay there too.
  // Identical contents (two empty files, say) are one blob: write each content once.
  std::vector<const ManifestEntry*> unique;
  std::set<std::string> seen;
  for (const ManifestEntry& file : request.files) {
    if (seen.insert(file.sha256).second) unique.push_back(&file);
  }
  std::atomic<uint64_t> files_written{0}, bytes_written{0};
  MP_RETURN_IF_ERROR(modelpusher::ParallelFor(
      unique.size(), modelpusher::DefaultTransferThreads(), [&](size_t i) -> Status {
        MP_ASSIGN_OR_RETURN(bool wrote, WriteFileBlob(request, *unique[i]));
        if (wrote) {
          files_written += 1;
          bytes_written += unique[i]->size;
        }
        return Status::Ok();
      }));

  const std::string config_text = ConfigDocument(request).Dump();
  MP_ASSIGN_OR_RETURN(std::string config_digest, WriteSmallBlob(config_text));
  json::Value layers = json::Value::Array();
  for (const ManifestEntry& file : request.files) {
    json::Value layer = Descriptor(kLayerMediaType, file.sha256, file.size);
    json::Value annotations = json::Value::Object();
    annotations.Set(kTitleAnnotation, json::Value::String(file.path));
    layer.Set("annotations", std::move(annotations));
    layers.Append(std::move(layer));
  }
  json::Value manifest = json::Value::Object();
  manifest.Set("schemaVersion", json::Value::Number(uint64_t{2}));
  manifest.Set("mediaType", json::Value::String(kManifestMediaType));
  manifest.Set("artifactType", json::Value::String(kArtifactType));
  manifest.Set("config", Descriptor(kConfigMediaType, config_digest.substr(7),
                                    config_text.size()));
  manifest.Set("layers", std::move(layers));
  const std::string manifest_text = manifest.Dump();
  MP_ASSIGN_OR_RETURN(published.commit_id, WriteSmallBlob(manifest_text));

  json::Value entry =
      Descriptor(kManifestMediaType, published.commit_id.substr(7), manifest_text.size());
  entry.Set("artifactType", json::Value::String(kArtifactType));
  json::Value annotations = json::Value::Object();
  annotations.Set(kRefNameAnnotation, json::Value::String(request.ref));
  annotations.Set(kVersionAnnotation, json::Value::String(request.version));
  annotations.Set(kDigestAnnotation, json::Value::String(request.digest));
  entry.Set("annotations", std::move(annotations));
  json::Value manifests = *index.Find("manifests");
  manifests.Append(std::move(entry));
  index.Set("manifests", std::move(manifests));  // Other members stay as they were.
  MP_RETURN_IF_ERROR(WriteIndex(index));

  PushResult result = ResultFor(PushStatus::kPushed, published);
  result.files_uploaded = files_written;
  result.bytes_uploaded = bytes_written;
  modelpusher::log::Info("oci-layout: published",
                         {{"version", request.version},
                          {"ref", request.ref},
                          {"manifest", published.commit_id},
                          {"blobs_written", result.files_uploaded},
                          {"bytes_written", result.bytes_uploaded},
                          {"layout", root_}});
  return result;
}

}  // namespace

Result<std::unique_ptr<ModelRegistry>> MakeOciLayoutRegistry(
    const modelpusher::RegistryContext& context) {
  if (context.config == nullptr || !context.config->is_map()) {
    return modelpusher::InvalidArgumentError("the oci-layout registry needs its config block");
  }
  MP_ASSIGN_OR_RETURN(std::string path, context.config->RequireString("path"));
  if (path.empty()) return context.config->Find("path")->Error("path must name a folder");
  fs::path root(path);
  if (root.is_relative()) root = fs::path(context.config_dir) / root;
  std::error_code ec;
  root = fs::absolute(root, ec).lexically_normal();
  if (ec) {
    return context.config->Find("path")->Error("cannot resolve " + path + ": " + ec.message());
  }
  std::string text = root.string();
  if (text.size() > 1 && text.back() == '/') text.pop_back();
  return std::unique_ptr<ModelRegistry>(new OciLayoutRegistry(text));
}

}  // namespace oci_layout
