#include "gcs_source.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "modelpusher/log.h"
#include "modelpusher/url.h"

namespace modelpusher::gcs {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

}  // namespace

Result<GcsSettings> ResolveSettings(const ConfigValue* options) {
  GcsSettings settings;
  bool has_options = options != nullptr && options->is_map();
  if (has_options) {
    MP_ASSIGN_OR_RETURN(settings.auth.anonymous, options->GetBool("anonymous", false));
    MP_ASSIGN_OR_RETURN(settings.auth.credentials_file, options->GetString("credentials_file"));
    MP_ASSIGN_OR_RETURN(int64_t page_size, options->GetInt("page_size", 0));
    if (page_size < 0 || page_size > 1000) {
      return options->Find("page_size")->Error("page_size must be between 1 and 1000");
    }
    settings.page_size = static_cast<int>(page_size);
  }
  // The official clients switch to the emulator, without credentials, on this variable.
  std::string emulator = Env("STORAGE_EMULATOR_HOST");
  if (!emulator.empty()) {
    settings.emulator = true;
    settings.endpoint = emulator.find("://") == std::string::npos ? "http://" + emulator
                                                                   : emulator;
  }
  if (has_options) {
    MP_ASSIGN_OR_RETURN(std::string endpoint, options->GetString("endpoint"));
    if (!endpoint.empty()) settings.endpoint = endpoint;
  }
  while (!settings.endpoint.empty() && settings.endpoint.back() == '/') {
    settings.endpoint.pop_back();
  }
  return settings;
}

Result<std::unique_ptr<StorageSource>> GcsSource::Create(const std::string& uri,
                                                         const ConfigValue* options) {
  MP_ASSIGN_OR_RETURN(object_store::BucketRoot root, object_store::ParseBucketUri(uri, "gs"));
  MP_ASSIGN_OR_RETURN(GcsSettings settings, ResolveSettings(options));
  auto source = std::make_unique<GcsSource>(std::move(root), std::move(settings));
  MP_RETURN_IF_ERROR(source->Init());
  return std::unique_ptr<StorageSource>(std::move(source));
}

GcsSource::GcsSource(object_store::BucketRoot root, GcsSettings settings)
    : root_(std::move(root)), settings_(std::move(settings)) {}

Status GcsSource::Init() {
  AuthOptions auth = settings_.auth;
  if (settings_.emulator && auth.credentials_file.empty()) auth.anonymous = true;
  MP_ASSIGN_OR_RETURN(tokens_, FindCredentials(auth, http_));
  log::Debug("gcs source", {{"root", Describe()},
                            {"endpoint", settings_.endpoint},
                            {"credentials", tokens_->Describe()}});
  return Status::Ok();
}

std::string GcsSource::Describe() const {
  std::string folder = root_.folder;
  if (!folder.empty()) folder.pop_back();
  return "gs://" + root_.bucket + (folder.empty() ? "" : "/" + folder);
}

std::string GcsSource::ObjectUrl(const std::string& name) const {
  // The object name is one path segment: '/' becomes %2F, and '#', '?', '[' are escaped.
  return settings_.endpoint + "/storage/v1/b/" + PercentEncode(root_.bucket) + "/o/" +
         PercentEncode(name);
}

Result<HttpResponse> GcsSource::Get(const std::string& url, const HttpHeaders& headers,
                                    bool stream, const std::string& object) {
  HttpRequest request;
  request.url = url;
  request.headers = headers;
  MP_ASSIGN_OR_RETURN(Secret token, tokens_->Token());
  if (!token.empty()) request.headers.Set("Authorization", "Bearer " + token.Reveal());
  log::Debug("gcs request", {{"url", RedactUrl(url)}});
  MP_ASSIGN_OR_RETURN(HttpResponse response,
                      stream ? http_.Open(request) : http_.Send(request, 32 << 20));
  if (response.status < 200 || response.status > 299) return ErrorFor(response, object);
  return response;
}

Status GcsSource::ErrorFor(const HttpResponse& response, const std::string& object) const {
  std::string message = ParseErrorMessage(response.body);
  std::string what = object + ": HTTP " + std::to_string(response.status) +
                     (message.empty() ? "" : " (" + message + ")");
  switch (response.status) {
    case 401:
      return UnauthenticatedError(what + "; credentials: " + tokens_->Describe());
    case 403:
      return PermissionDeniedError(what + "; " + tokens_->Describe() +
                                   " may not read this bucket");
    case 404:
      return NotFoundError(what);
    default:
      if (response.status >= 500 || response.status == 429) {
        return UnavailableError(what + " after " + std::to_string(response.attempts) +
                                " attempts; try again later");
      }
      return InternalError(what);
  }
}

Result<std::vector<FileEntry>> GcsSource::List() {
  std::string base = settings_.endpoint + "/storage/v1/b/" + PercentEncode(root_.bucket) + "/o";
  std::vector<FileEntry> files;
  std::map<std::string, ListedObject> seen;
  std::set<std::string> tokens;
  std::string token;
  do {
    std::string url = base + "?prefix=" + PercentEncode(root_.folder);
    if (settings_.page_size > 0) url += "&maxResults=" + std::to_string(settings_.page_size);
    if (!token.empty()) url += "&pageToken=" + PercentEncode(token);
    MP_ASSIGN_OR_RETURN(HttpResponse response, Get(url, HttpHeaders(), false, Describe()));
    auto page = ParseListPage(response.body);
    if (!page.ok()) return page.status().WithContext("listing " + Describe());
    for (ListedObject& object : page->objects) {
      std::string relative;
      MP_ASSIGN_OR_RETURN(auto kind, object_store::ClassifyKey(object.name, object.size,
                                                               root_.folder, &relative));
      if (kind != object_store::KeyKind::kFile) continue;
      files.push_back({relative, object.size, object.md5, ""});
      seen[relative] = std::move(object);
    }
    token = page->next_page_token;
    if (!token.empty() && !tokens.insert(token).second) {
      return InternalError("listing " + Describe() + ": the server returned page token \"" +
                           token + "\" twice; stopping instead of looping");
    }
  } while (!token.empty());

  std::sort(files.begin(), files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  if (files.empty()) {
    return NotFoundError("no files below " + Describe() +
                         "; check the bucket and prefix (folders are matched whole)");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [path, object] : seen) known_[path] = std::move(object);
  return files;
}

Result<ListedObject> GcsSource::Lookup(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = known_.find(path); it != known_.end()) return it->second;
  }
  std::string name = root_.folder + path;
  std::string what = "gs://" + root_.bucket + "/" + name;
  MP_ASSIGN_OR_RETURN(HttpResponse response, Get(ObjectUrl(name), HttpHeaders(), false, what));
  MP_ASSIGN_OR_RETURN(ListedObject object, ParseObject(response.body));
  std::lock_guard<std::mutex> lock(mutex_);
  known_[path] = object;
  return object;
}

Result<FileEntry> GcsSource::Stat(const std::string& path) {
  MP_ASSIGN_OR_RETURN(ListedObject object, Lookup(path));
  return FileEntry{path, object.size, object.md5, ""};
}

}  // namespace modelpusher::gcs
