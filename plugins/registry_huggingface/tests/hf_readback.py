#!/usr/bin/env python3
"""Reads a published version back with the official huggingface_hub client and compares it
with the local model folder, byte for byte (sha256).

Usage: hf_readback.py REPO_ID REVISION LOCAL_DIR
Env:   HF_ENDPOINT (the loopback test server), HF_TOKEN, HF_HOME (a temp folder),
       HF_HUB_DISABLE_XET=1, HF_HUB_DISABLE_TELEMETRY=1.
Prints one line per file and exits 0 when every local file came back identical and nothing
else came back (the Hub-owned .gitattributes and a generated README.md aside).
"""

import hashlib
import os
import sys
import tempfile
import urllib.parse


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def files_under(root):
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if rel.startswith(".cache/"):
                continue  # huggingface_hub's own bookkeeping in local_dir
            out[rel] = full
    return out


def main():
    repo_id, revision, local_dir = sys.argv[1:4]
    host = urllib.parse.urlparse(os.environ["HF_ENDPOINT"]).hostname
    if host not in ("127.0.0.1", "::1", "localhost"):
        print(f"refusing a non-loopback endpoint {host}")
        return 2
    from huggingface_hub import snapshot_download

    with tempfile.TemporaryDirectory() as target:
        got_dir = snapshot_download(repo_id=repo_id, revision=revision, local_dir=target)
        got = files_under(got_dir)
        want = files_under(local_dir)
        bad = 0
        for rel, path in sorted(want.items()):
            if rel == ".gitattributes":
                continue  # the Hub owns it (adds LFS patterns)
            if rel not in got:
                print(f"MISSING {rel}")
                bad += 1
            elif sha256(got[rel]) != sha256(path):
                print(f"DIFFERS {rel}")
                bad += 1
            else:
                print(f"same {rel} {os.path.getsize(path)}")
        for rel in sorted(set(got) - set(want)):
            if rel not in (".gitattributes", "README.md"):
                print(f"EXTRA {rel}")
                bad += 1
        print(f"{len(want)} local files, {len(got)} downloaded, {bad} problems")
        return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
