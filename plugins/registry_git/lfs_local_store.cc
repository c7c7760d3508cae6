#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "lfs_store.h"
#include "modelpusher/hash.h"
#include "modelpusher/log.h"
#include "modelpusher/url.h"

namespace modelpusher::git {
namespace {

namespace fs = std::filesystem;

class LocalLfsStore : public LfsStore {
 public:
  explicit LocalLfsStore(std::string git_dir) : git_dir_(std::move(git_dir)) {}

  Result<LfsUploadStats> Upload(const std::vector<LfsObject>& objects, const FileOpener& open,
                                const std::string& ref, Progress* progress) override {
    LfsUploadStats stats;
    for (const LfsObject& object : objects) {
      fs::path target = ObjectPath(object.oid);
      std::error_code ec;
      if (fs::exists(target, ec) && fs::file_size(target, ec) == object.size) continue;
      MP_RETURN_IF_ERROR(Copy(object, open, target, progress));
      ++stats.objects;
      stats.bytes += object.size;
    }
    return stats;
  }

 private:
  fs::path ObjectPath(const std::string& oid) const {
    return fs::path(git_dir_) / "lfs" / "objects" / oid.substr(0, 2) / oid.substr(2, 2) / oid;
  }

  // Written beside the store and renamed into place, so a reader never sees half an object;
  // the sha256 is checked on the way, since the object's name promises it.
  Status Copy(const LfsObject& object, const FileOpener& open, const fs::path& target,
              Progress* progress) {
    std::error_code ec;
    fs::path tmp_dir = fs::path(git_dir_) / "lfs" / "tmp";
    fs::create_directories(tmp_dir, ec);
    fs::create_directories(target.parent_path(), ec);
    if (ec) return PermissionDeniedError("cannot create " + target.parent_path().string());
    fs::path tmp = tmp_dir / (object.oid + ".modelpusher-partial");

    MP_ASSIGN_OR_RETURN(auto reader, open(*object.file, 0, object.size));
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return PermissionDeniedError("cannot write " + tmp.string());
    Hasher hasher(Hasher::Algorithm::kSha256);
    std::vector<char> buffer(256 * 1024);
    uint64_t total = 0;
    while (true) {
      MP_ASSIGN_OR_RETURN(size_t n, reader->Read(buffer.data(), buffer.size()));
      if (n == 0) break;
      hasher.Update(buffer.data(), n);
      out.write(buffer.data(), static_cast<std::streamsize>(n));
      total += n;
      if (progress) progress->Advance(object.file->path, n);
    }
    out.close();
    if (!out || total != object.size || hasher.FinishHex() != object.oid) {
      fs::remove(tmp, ec);
      return DataLossError("'" + object.file->path + "' changed since it was hashed; run the " +
                           "push again");
    }
    fs::rename(tmp, target, ec);
    if (ec) return InternalError("cannot move an LFS object to " + target.string());
    log::Debug("lfs object stored", {{"path", object.file->path}, {"bytes", object.size}});
    return Status::Ok();
  }

  std::string git_dir_;
};

}  // namespace

std::unique_ptr<LfsStore> MakeLocalLfsStore(std::string git_dir) {
  return std::make_unique<LocalLfsStore>(std::move(git_dir));
}

Result<std::unique_ptr<LfsStore>> MakeLfsStore(const GitConfig& config) {
  if (config.lfs_url.empty() && config.url.rfind("file://", 0) == 0) {
    std::string path;
    if (!PercentDecode(config.url.substr(7), &path)) {
      return InvalidArgumentError("malformed file:// url " + config.url);
    }
    // A non-bare remote keeps its objects in .git/lfs, a bare one in lfs/.
    std::error_code ec;
    if (fs::is_directory(fs::path(path) / ".git", ec)) path += "/.git";
    return MakeLocalLfsStore(path);
  }
  std::string endpoint = config.lfs_url;
  if (endpoint.empty()) {
    MP_ASSIGN_OR_RETURN(endpoint, DefaultLfsEndpoint(config.url));
  }
  return MakeHttpLfsStore(config, endpoint);
}

Result<std::string> DefaultLfsEndpoint(const std::string& url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    // Limitation: git-lfs asks an SSH remote for its LFS server through
    // `git-lfs-authenticate`; this plugin does not, and needs `lfs_url` instead.
    return UnimplementedError("cannot derive the LFS server of " + RedactUrl(url) +
                              "; set `lfs_url: https://host/org/repo.git/info/lfs`");
  }
  bool dot_git = url.size() >= 4 && url.compare(url.size() - 4, 4, ".git") == 0;
  return url + (dot_git ? "/info/lfs" : ".git/info/lfs");
}

}  // namespace modelpusher::git
