#pragma once

// Helpers for tests of plugins, shipped with the SDK (library modelpusher::testing).

#include <map>
#include <memory>
#include <string>

#include "modelpusher/model_registry.h"
#include "modelpusher/storage_source.h"

namespace modelpusher::testing {

/// A StorageSource over files held in memory (path -> content). Thread safe for reads.
std::unique_ptr<StorageSource> MakeMemorySource(std::map<std::string, std::string> files);

/// A StorageSource over a local folder, for tests only: regular files below `root`,
/// recursively, no symlink handling. Production code uses the `file` plugin. Thread safe for
/// reads.
std::unique_ptr<StorageSource> MakeFolderSource(const std::string& root);

/// Writes `files` (path -> content) below `root`, creating folders.
void WriteTree(const std::string& root, const std::map<std::string, std::string>& files);

/// Builds a complete PushRequest for `source` (hashing every file; blessed by rule "none"),
/// with the given version and ref. The request's opener reads from `source`, which must
/// outlive the request. Aborts the test process on a staging error.
PushRequest MakePushRequest(StorageSource& source, const std::string& version,
                            const std::string& ref, const std::string& prefix = "");

}  // namespace modelpusher::testing
