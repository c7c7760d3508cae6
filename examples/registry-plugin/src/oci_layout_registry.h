#pragma once

// The `oci-layout` registry: publishes each version of a model into a folder laid out as an
// OCI Image Layout (https://github.com/opencontainers/image-spec/blob/main/image-layout.md):
//
//   <path>/oci-layout              {"imageLayoutVersion": "1.0.0"}
//   <path>/index.json              one manifest descriptor per version, named by its ref
//   <path>/blobs/sha256/<hex>      every file's content, each config and each manifest
//
// Blobs are content-addressed, so a file that did not change between versions is stored
// once. A version becomes visible in one step: index.json is replaced by rename(2) after
// every blob it needs is in place. Tools that read OCI layouts (oras, skopeo, crane) can
// copy a version to any OCI registry, e.g. `oras cp --from-oci-layout <path>:<ref> ...`.

#include <memory>
#include <string>

#include "modelpusher/model_registry.h"
#include "modelpusher/plugin_abi.h"

namespace oci_layout {

/// Media types written into manifests.
inline constexpr char kManifestMediaType[] = "application/vnd.oci.image.manifest.v1+json";
inline constexpr char kIndexMediaType[] = "application/vnd.oci.image.index.v1+json";
inline constexpr char kArtifactType[] = "application/vnd.modelpusher.model.v1";
inline constexpr char kConfigMediaType[] = "application/vnd.modelpusher.model.config.v1+json";
inline constexpr char kLayerMediaType[] = "application/octet-stream";

/// Annotations: the standard ones, and two of ours on each index entry.
inline constexpr char kRefNameAnnotation[] = "org.opencontainers.image.ref.name";
inline constexpr char kTitleAnnotation[] = "org.opencontainers.image.title";
inline constexpr char kVersionAnnotation[] = "io.modelpusher.version";
inline constexpr char kDigestAnnotation[] = "io.modelpusher.digest";

/// Makes the registry from its `registries:` block: `path` (required; relative to the config
/// file's folder). Errors: kInvalidArgument naming the key and its FILE:LINE:COLUMN.
modelpusher::Result<std::unique_ptr<modelpusher::ModelRegistry>> MakeOciLayoutRegistry(
    const modelpusher::RegistryContext& context);

}  // namespace oci_layout
