#!/usr/bin/env python3
"""Downloads every object below gs://BUCKET/PREFIX with the official google-cloud-storage
client (to the emulator named by STORAGE_EMULATOR_HOST), `--threads` at a time, into DIR.
Prints files=N bytes=B."""

import argparse
import os
from concurrent.futures import ThreadPoolExecutor

from google.auth.credentials import AnonymousCredentials
from google.cloud import storage


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bucket")
    parser.add_argument("prefix")
    parser.add_argument("out")
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    client = storage.Client(project="mp-bench", credentials=AnonymousCredentials())
    blobs = [b for b in client.list_blobs(args.bucket, prefix=args.prefix)
             if not b.name.endswith("/")]

    def fetch(blob):
        path = os.path.join(args.out, blob.name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        blob.download_to_filename(path)
        return os.path.getsize(path)

    with ThreadPoolExecutor(args.threads) as pool:
        total = sum(pool.map(fetch, blobs))
    print(f"files={len(blobs)} bytes={total}")


if __name__ == "__main__":
    main()
