"""Checks a push result against its source: every file, byte for byte (sha256).

Usage: check_demo.py RESULT.json MODEL_DIR
For a filesystem registry, the version folder is read directly; for a huggingface one, the
version's branch is downloaded with the official huggingface_hub client (snapshot_download),
which must be pointed at the server with HF_ENDPOINT (and HF_HUB_DISABLE_XET=1).
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
        elif r["type"] == "huggingface":
            from huggingface_hub import snapshot_download
            folder = snapshot_download(repo_id=r["repo_id"], revision=r["branch"],
                                       local_dir=os.path.join(os.environ["HF_HOME"], "download"))
            got = {k: v for k, v in tree_hashes(folder).items() if not k.startswith(".cache/")}
            # The Hub keeps a .gitattributes of its own; the model's own one, if any, wins.
            if ".gitattributes" not in expected:
                got.pop(".gitattributes", None)
            if "README.md" not in expected:
                got.pop("README.md", None)  # the generated model card
            if got != expected:
                diff = sorted(k for k in set(got) | set(expected) if got.get(k) != expected.get(k))
                sys.exit(f"{r['repo_id']}@{r['branch']} differs from the source: {diff}")
            print(f"{r['registry']}: {len(got)} files match byte for byte at "
                  f"{r['repo_id']}@{r['branch']} (read back with huggingface_hub)", file=sys.stderr)


if __name__ == "__main__":
    main()
