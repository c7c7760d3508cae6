#pragma once

// The StorageSource for s3://bucket/prefix.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/object_store.h"
#include "credentials.h"
#include "modelpusher/storage_source.h"
#include "s3_client.h"

namespace modelpusher::s3 {

class S3Source : public StorageSource {
 public:
  /// Errors: kInvalidArgument (bad URI or options), those of ResolveSettings.
  static Result<std::unique_ptr<StorageSource>> Create(const std::string& uri,
                                                       const ConfigValue* options);

  S3Source(object_store::BucketRoot root, S3Settings settings);

  std::string Describe() const override;
  Result<std::vector<FileEntry>> List() override;
  Result<FileEntry> Stat(const std::string& path) override;
  Result<std::unique_ptr<ByteReader>> Open(const std::string& path, uint64_t offset,
                                           uint64_t length) override;

 private:
  Result<FileEntry> Lookup(const std::string& path);
  Result<std::unique_ptr<ByteReader>> OpenRange(const std::string& key, uint64_t size,
                                                uint64_t offset, uint64_t length);

  object_store::BucketRoot root_;
  S3Client client_;
  int page_size_;
  bool etag_checksums_;
  std::mutex mutex_;
  std::map<std::string, FileEntry> known_;  // guarded by mutex_: what List and Stat saw
};

}  // namespace modelpusher::s3
