"""Reads a version back from an OCI image layout written by the example `oci-layout` plugin,
on its own (index.json -> manifest -> layer blobs), and compares it with the model folder
byte for byte.

Usage: check_layout.py <result.json> <model folder> <expected status: pushed|unchanged>
"""
import hashlib
import json
import os
import sys
from pathlib import Path


def fail(message):
    sys.exit(f"check_layout: {message}")


def blob(layout, digest):
    algorithm, _, hex_digest = digest.partition(":")
    if algorithm != "sha256" or len(hex_digest) != 64:
        fail(f"not a sha256 digest: {digest}")
    data = (layout / "blobs" / "sha256" / hex_digest).read_bytes()
    if hashlib.sha256(data).hexdigest() != hex_digest:
        fail(f"blob {hex_digest} does not hold the bytes its name promises")
    return data


def main():
    result_file, model_dir, expected = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    results = json.load(open(result_file))["results"]
    if len(results) != 1:
        fail(f"expected one registry result, got {results}")
    r = results[0]
    if r["status"] != expected:
        fail(f"status {r['status']!r}, expected {expected!r}: {r}")
    layout = Path(r["repo_id"])
    if json.loads((layout / "oci-layout").read_text()) != {"imageLayoutVersion": "1.0.0"}:
        fail("oci-layout marker missing or wrong")

    index = json.loads((layout / "index.json").read_text())
    entries = [m for m in index["manifests"]
               if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == r["branch"]]
    if len(entries) != 1:
        fail(f"index.json names ref {r['branch']!r} {len(entries)} times")
    entry = entries[0]
    if entry["digest"] != r["commit_id"]:
        fail(f"index digest {entry['digest']} != result commit_id {r['commit_id']}")
    if entry["annotations"].get("io.modelpusher.version") != r["pushed_version"]:
        fail("index version annotation differs from the result")
    if len(index["manifests"]) != 1:
        fail(f"expected exactly one version in the layout, found {len(index['manifests'])}")

    manifest_bytes = blob(layout, entry["digest"])
    if len(manifest_bytes) != entry["size"]:
        fail("manifest size differs from its descriptor")
    manifest = json.loads(manifest_bytes)
    if manifest["mediaType"] != "application/vnd.oci.image.manifest.v1+json":
        fail(f"manifest media type {manifest['mediaType']}")
    published = {}
    for layer in manifest["layers"]:
        data = blob(layout, layer["digest"])
        if len(data) != layer["size"]:
            fail(f"layer {layer['digest']} size differs from its descriptor")
        published[layer["annotations"]["org.opencontainers.image.title"]] = data

    expected_files = {}
    for path in sorted(model_dir.rglob("*")):
        if path.is_file():
            expected_files[path.relative_to(model_dir).as_posix()] = path.read_bytes()
    if set(published) != set(expected_files):
        fail(f"files differ: only published {sorted(set(published) - set(expected_files))}, "
             f"only in the model {sorted(set(expected_files) - set(published))}")
    for name, data in expected_files.items():
        if published[name] != data:
            fail(f"{name}: published bytes differ from the model's")
    total = sum(len(d) for d in expected_files.values())
    print(f"check_layout: {r['status']} version {r['pushed_version']} ({r['branch']}): "
          f"{len(expected_files)} files, {total} bytes identical to {model_dir}")


if __name__ == "__main__":
    main()
