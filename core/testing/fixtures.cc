#include "modelpusher/testing/fixtures.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "modelpusher/staging.h"
#include "modelpusher/versioning.h"

namespace fs = std::filesystem;

namespace modelpusher::testing {
namespace {

class MemorySource : public StorageSource {
 public:
  explicit MemorySource(std::map<std::string, std::string> files) : files_(std::move(files)) {}

  std::string Describe() const override { return "memory://"; }

  Result<std::vector<FileEntry>> List() override {
    std::vector<FileEntry> out;
    for (const auto& [path, content] : files_) out.push_back({path, content.size(), "", ""});
    return out;
  }

  Result<FileEntry> Stat(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return NotFoundError("no file " + path);
    return FileEntry{path, it->second.size(), "", ""};
  }

  Result<std::unique_ptr<ByteReader>> Open(const std::string& path, uint64_t offset,
                                           uint64_t length) override {
    auto it = files_.find(path);
    if (it == files_.end()) return NotFoundError("no file " + path);
    const std::string& c = it->second;
    offset = std::min<uint64_t>(offset, c.size());
    length = std::min<uint64_t>(length, c.size() - offset);
    return MakeStringReader(c.substr(offset, length));
  }

 private:
  std::map<std::string, std::string> files_;
};

class FileReader : public ByteReader {
 public:
  FileReader(std::FILE* f, uint64_t remaining) : f_(f), remaining_(remaining) {}
  ~FileReader() override { std::fclose(f_); }

  Result<size_t> Read(char* buffer, size_t size) override {
    size_t want = static_cast<size_t>(std::min<uint64_t>(size, remaining_));
    if (want == 0) return size_t{0};
    size_t n = std::fread(buffer, 1, want, f_);
    if (n == 0 && std::ferror(f_)) return InternalError("read failed");
    remaining_ -= n;
    return n;
  }

 private:
  std::FILE* f_;
  uint64_t remaining_;
};

class FolderSource : public StorageSource {
 public:
  explicit FolderSource(std::string root) : root_(std::move(root)) {}

  std::string Describe() const override { return root_; }

  Result<std::vector<FileEntry>> List() override {
    std::vector<FileEntry> out;
    for (const auto& e : fs::recursive_directory_iterator(root_)) {
      if (!e.is_regular_file()) continue;
      out.push_back({fs::relative(e.path(), root_).generic_string(), e.file_size(), "", ""});
    }
    std::sort(out.begin(), out.end(),
              [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
    return out;
  }

  Result<FileEntry> Stat(const std::string& path) override {
    std::error_code ec;
    auto size = fs::file_size(fs::path(root_) / path, ec);
    if (ec) return NotFoundError("no file " + path);
    return FileEntry{path, size, "", ""};
  }

  Result<std::unique_ptr<ByteReader>> Open(const std::string& path, uint64_t offset,
                                           uint64_t length) override {
    std::string full = (fs::path(root_) / path).string();
    std::FILE* f = std::fopen(full.c_str(), "rb");
    if (f == nullptr) return NotFoundError("cannot open " + full);
    std::error_code ec;
    uint64_t size = fs::file_size(full, ec);
    offset = std::min(offset, size);
    std::fseek(f, static_cast<long>(offset), SEEK_SET);
    return std::unique_ptr<ByteReader>(new FileReader(f, std::min(length, size - offset)));
  }

 private:
  std::string root_;
};

}  // namespace

std::unique_ptr<StorageSource> MakeMemorySource(std::map<std::string, std::string> files) {
  return std::make_unique<MemorySource>(std::move(files));
}

std::unique_ptr<StorageSource> MakeFolderSource(const std::string& root) {
  return std::make_unique<FolderSource>(root);
}

void WriteTree(const std::string& root, const std::map<std::string, std::string>& files) {
  for (const auto& [path, content] : files) {
    fs::path p = fs::path(root) / path;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }
}

PushRequest MakePushRequest(StorageSource& source, const std::string& version,
                            const std::string& ref, const std::string& prefix) {
  auto listing = source.List();
  if (!listing.ok()) {
    std::fprintf(stderr, "MakePushRequest: %s\n", listing.status().ToString().c_str());
    std::abort();
  }
  auto manifest = BuildManifest(source, *listing, prefix, 2);
  if (!manifest.ok()) {
    std::fprintf(stderr, "MakePushRequest: %s\n", manifest.status().ToString().c_str());
    std::abort();
  }
  PushRequest request;
  request.push_name = "default";
  request.source_uri = source.Describe();
  request.files = std::move(manifest).value();
  request.digest = ManifestDigest(request.files);
  request.version = version;
  request.ref = ref;
  request.commit_summary = "Publish version " + version;
  request.blessing = {true, "none", "no blessing policy", {}};
  request.open = MakeSourceOpener(source);
  return request;
}

}  // namespace modelpusher::testing
