"""Checks a push result against its source: every file, byte for byte (sha256).

Usage: check_demo.py RESULT.json MODEL_DIR
For a filesystem registry, the version folder is read directly.
"""
import hashlib
import json
import os
import sys


def tree_hashes(root):
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            with open(path, "rb") as f:
                out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


def main():
    result_path, model_dir = sys.argv[1], sys.argv[2]
    results = json.load(open(result_path))["results"]
    expected = tree_hashes(model_dir)
    for r in results:
        if r["status"] not in ("pushed", "unchanged"):
            sys.exit(f"{r['registry']}: status {r['status']}: {r.get('error', '')}")
        if r["type"] == "filesystem":
            version_dir = r["repo_url"][len("file://"):]
            got = tree_hashes(version_dir)
            if got != expected:
                missing = sorted(set(expected) - set(got))
                extra = sorted(set(got) - set(expected))
                changed = sorted(k for k in expected if k in got and got[k] != expected[k])
                sys.exit(f"{version_dir} differs: missing {missing} extra {extra} changed {changed}")
            print(f"{r['registry']}: {len(got)} files match byte for byte in {version_dir}",
                  file=sys.stderr)


if __name__ == "__main__":
    main()
