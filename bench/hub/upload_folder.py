#!/usr/bin/env python3
"""One contender of bench/hub: huggingface_hub's upload_folder to a fresh branch of a fresh repo.

    upload_folder.py FOLDER REPO_ID BRANCH

The environment carries HF_ENDPOINT (the local test server), HF_TOKEN (a test token),
HF_HUB_DISABLE_XET=1 and HF_HUB_DISABLE_TELEMETRY=1; bench.py sets them. Prints one JSON
line: {"commit": oid, "upload_s": seconds spent in upload_folder alone}.
"""

import json
import os
import sys
import time
import urllib.parse


def main() -> int:
    folder, repo_id, branch = sys.argv[1:4]
    endpoint = os.environ["HF_ENDPOINT"]
    host = urllib.parse.urlsplit(endpoint).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"refusing non-loopback HF_ENDPOINT {endpoint}", file=sys.stderr)
        return 2
    from huggingface_hub import HfApi  # after the check: the import reads HF_ENDPOINT

    api = HfApi(endpoint=endpoint, token=os.environ["HF_TOKEN"])
    api.create_repo(repo_id, private=True, exist_ok=False)
    api.create_branch(repo_id, branch=branch)
    t0 = time.perf_counter()
    info = api.upload_folder(folder_path=folder, repo_id=repo_id, revision=branch,
                             commit_message="bench upload_folder")
    upload_s = time.perf_counter() - t0
    print(json.dumps({"commit": info.oid, "upload_s": round(upload_s, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
