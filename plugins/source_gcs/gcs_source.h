#pragma once

// The StorageSource for gs://bucket/prefix, on the Cloud Storage JSON API.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/object_store.h"
#include "gcs_auth.h"
#include "listing.h"
#include "modelpusher/config_value.h"
#include "modelpusher/storage_source.h"

namespace modelpusher::gcs {

struct GcsSettings {
  /// "https://storage.googleapis.com", an emulator, or the `endpoint` option.
  std::string endpoint = "https://storage.googleapis.com";
  /// STORAGE_EMULATOR_HOST is set: no credentials, as the official clients do.
  bool emulator = false;
  AuthOptions auth;
  /// objects.list maxResults; 0 lets the server choose (1000).
  int page_size = 0;
};

/// Reads the map form of `source:` (null for a plain string) and the environment.
Result<GcsSettings> ResolveSettings(const ConfigValue* options);

class GcsSource : public StorageSource {
 public:
  static Result<std::unique_ptr<StorageSource>> Create(const std::string& uri,
                                                       const ConfigValue* options);

  GcsSource(object_store::BucketRoot root, GcsSettings settings);

  std::string Describe() const override;
  Result<std::vector<FileEntry>> List() override;
  Result<FileEntry> Stat(const std::string& path) override;
  Result<std::unique_ptr<ByteReader>> Open(const std::string& path, uint64_t offset,
                                           uint64_t length) override;

 private:
  Status Init();
  /// GET `url` with the bearer token; non-2xx becomes an error naming `object`.
  Result<HttpResponse> Get(const std::string& url, const HttpHeaders& headers, bool stream,
                           const std::string& object);
  Status ErrorFor(const HttpResponse& response, const std::string& object) const;
  std::string ObjectUrl(const std::string& name) const;
  Result<ListedObject> Lookup(const std::string& path);

  object_store::BucketRoot root_;
  GcsSettings settings_;
  HttpClient http_;
  std::unique_ptr<TokenProvider> tokens_;
  std::mutex mutex_;
  std::map<std::string, ListedObject> known_;  // guarded by mutex_: relative path -> object
};

}  // namespace modelpusher::gcs
