#include "s3_source.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "listing.h"
#include "modelpusher/log.h"

namespace modelpusher::s3 {
namespace {

// An ETag is the content's MD5 only for single-part uploads without SSE-KMS/SSE-C.
// Limitation: an SSE-KMS object's 32-hex ETag is not its MD5, and nothing in a listing says
// so; such an MD5 would be wrong, so set `checksums: false` in the source block (the sha256
// computed while staging is unaffected).
std::string Md5FromEtag(const std::string& etag) {
  if (etag.size() != 32) return "";
  for (char c : etag) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return "";
  }
  std::string lower = etag;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  return lower;
}

}  // namespace

Result<std::unique_ptr<StorageSource>> S3Source::Create(const std::string& uri,
                                                        const ConfigValue* options) {
  MP_ASSIGN_OR_RETURN(object_store::BucketRoot root, object_store::ParseBucketUri(uri, "s3"));
  MP_ASSIGN_OR_RETURN(S3Settings settings, ResolveSettings(options));
  log::Debug("s3 source", {{"root", uri},
                           {"region", settings.region},
                           {"endpoint", settings.endpoint},
                           {"path_style", settings.path_style ? "true" : "false"},
                           {"credentials", settings.credential_origin}});
  auto source = std::make_unique<S3Source>(std::move(root), std::move(settings));
  return std::unique_ptr<StorageSource>(std::move(source));
}

S3Source::S3Source(object_store::BucketRoot root, S3Settings settings)
    : root_(std::move(root)),
      client_(settings, root_.bucket),
      page_size_(settings.page_size),
      etag_checksums_(settings.etag_checksums) {}

std::string S3Source::Describe() const {
  std::string folder = root_.folder;
  if (!folder.empty()) folder.pop_back();
  return "s3://" + root_.bucket + (folder.empty() ? "" : "/" + folder);
}

Result<std::vector<FileEntry>> S3Source::List() {
  ListPager pager(root_.folder, page_size_);
  std::vector<FileEntry> files;
  bool more = true;
  while (more) {
    MP_ASSIGN_OR_RETURN(HttpResponse response,
                        client_.Send("GET", "", pager.NextQuery(), HttpHeaders(), false));
    auto page = ParseListPage(response.body);
    if (!page.ok()) return page.status().WithContext("listing " + Describe());
    for (const ListedObject& object : page->objects) {
      std::string relative;
      MP_ASSIGN_OR_RETURN(auto kind, object_store::ClassifyKey(object.key, object.size,
                                                               root_.folder, &relative));
      if (kind == object_store::KeyKind::kFile) {
        std::string md5 = etag_checksums_ ? Md5FromEtag(object.etag) : "";
        files.push_back({std::move(relative), object.size, std::move(md5), ""});
      }
    }
    auto next = pager.Accept(*page);
    if (!next.ok()) return next.status().WithContext("listing " + Describe());
    more = *next;
  }
  std::sort(files.begin(), files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  if (files.empty()) {
    return NotFoundError("no files below " + Describe() +
                         "; check the bucket and prefix (folders are matched whole)");
  }
  log::Debug("s3 listed", {{"root", Describe()},
                           {"files", static_cast<uint64_t>(files.size())},
                           {"pages", static_cast<uint64_t>(pager.pages())}});
  std::lock_guard<std::mutex> lock(mutex_);
  for (const FileEntry& file : files) known_[file.path] = file;
  return files;
}

Result<FileEntry> S3Source::Stat(const std::string& path) { return Lookup(path); }

Result<FileEntry> S3Source::Lookup(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = known_.find(path); it != known_.end()) return it->second;
  }
  std::string key = root_.folder + path;
  MP_ASSIGN_OR_RETURN(HttpResponse response, client_.Send("HEAD", key, {}, HttpHeaders(), false));
  FileEntry entry{path, 0, "", ""};
  std::string length = response.headers.Get("Content-Length").value_or("");
  auto [ptr, ec] = std::from_chars(length.data(), length.data() + length.size(), entry.size);
  if (ec != std::errc() || ptr != length.data() + length.size()) {
    return InternalError("HEAD s3://" + root_.bucket + "/" + key +
                         " gave no Content-Length; the server is not S3-compatible");
  }
  std::string etag = response.headers.Get("ETag").value_or("");
  if (etag.size() >= 2 && etag.front() == '"') etag = etag.substr(1, etag.size() - 2);
  if (etag_checksums_) entry.md5 = Md5FromEtag(etag);
  std::lock_guard<std::mutex> lock(mutex_);
  known_[path] = entry;
  return entry;
}

}  // namespace modelpusher::s3
