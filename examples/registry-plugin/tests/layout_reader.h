#pragma once

// The tests' own way into an OCI layout: walk index.json -> manifest -> layers -> blobs,
// the way any OCI tool would, without going through the registry under test.

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "json.h"
#include "modelpusher/config_value.h"
#include "modelpusher/model_registry.h"
#include "modelpusher/plugin_abi.h"
#include "oci_layout_registry.h"

namespace oci_layout::test {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline modelpusher::Result<json::Value> ReadJson(const std::string& path) {
  if (!std::filesystem::exists(path)) return modelpusher::NotFoundError("no file " + path);
  return json::Parse(ReadFile(path), path);
}

/// The files of the version whose manifest has `manifest_digest` ("sha256:<hex>"), as
/// published path -> content. Fails when the index does not name that manifest.
inline modelpusher::Result<std::map<std::string, std::string>> ReadVersion(
    const std::string& root, const std::string& manifest_digest) {
  MP_ASSIGN_OR_RETURN(json::Value index, ReadJson(root + "/index.json"));
  bool listed = false;
  for (const auto& entry : index.Find("manifests")->items()) {
    listed = listed || entry.GetString("digest") == manifest_digest;
  }
  if (!listed) return modelpusher::NotFoundError("index.json names no " + manifest_digest);
  auto blob = [&](const std::string& digest) {
    return root + "/blobs/sha256/" + digest.substr(std::string("sha256:").size());
  };
  MP_ASSIGN_OR_RETURN(json::Value manifest, ReadJson(blob(manifest_digest)));
  std::map<std::string, std::string> files;
  for (const auto& layer : manifest.Find("layers")->items()) {
    const json::Value* annotations = layer.Find("annotations");
    std::string title = annotations ? annotations->GetString(kTitleAnnotation) : "";
    if (title.empty()) return modelpusher::DataLossError("a layer without a title");
    files[title] = ReadFile(blob(layer.GetString("digest")));
  }
  return files;
}

/// A registry block as the config loader would hand it to the factory.
inline modelpusher::ConfigValue RegistryBlock(const std::string& path) {
  modelpusher::SourceLocation where{"test.yaml", 1, 1};
  auto block = modelpusher::ConfigValue::Map(where);
  block.Set("type", modelpusher::ConfigValue::Scalar("oci-layout", false, where));
  if (!path.empty()) block.Set("path", modelpusher::ConfigValue::Scalar(path, false, where));
  return block;
}

inline modelpusher::Result<std::unique_ptr<modelpusher::ModelRegistry>> MakeRegistry(
    const std::string& config_dir, const std::string& path) {
  modelpusher::ConfigValue block = RegistryBlock(path);
  modelpusher::RegistryContext context{&block, "v{version}", config_dir};
  return MakeOciLayoutRegistry(context);
}

}  // namespace oci_layout::test
