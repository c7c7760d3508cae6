#!/usr/bin/env python3
"""Writes named fixture sets into a bucket with the official clients (boto3 for S3,
google-cloud-storage for GCS), and the same bytes into a local mirror folder that the tests
compare against.

  fixtures.py s3  --endpoint URL --bucket B --set NAME [--set NAME...] --mirror DIR
  fixtures.py gcs --endpoint URL --bucket B --set NAME [--set NAME...] --mirror DIR
  fixtures.py s3  ... --big SIZE_MIB --small COUNT     (the benchmark's model)

Zero-byte keys ending in '/' are folder markers: created in the bucket, and as folders (not
files) in the mirror. Contents are random, so nothing can pass by guessing.
"""

import argparse
import os
import sys

SETS = {
    # A folder and its look-alike siblings.
    "siblings": {
        "models/m1/saved_model.pb": 1500,
        "models/m1/variables/variables.index": 300,
        "models/m1-hf/config.json": 100,
        "models/m10/saved_model.pb": 200,
        "models/m1.tar.gz": 400,
    },
    # Folder markers beside real objects.
    "markers": {
        "export/": 0,
        "export/1/": 0,
        "export/1/variables/": 0,
        "export/1/saved_model.pb": 2000,
        "export/1/variables/variables.data-00000-of-00001": 5000,
    },
    "five": {f"paged/file-{i}.bin": 10 + i for i in range(5)},
    # Keys that break naive signing or URL building.
    "special": {
        "special/sft/p=5/000000_1": 11,
        "special/this+that/somefile.txt": 12,
        "special/scratch/objectwithspecialchar@": 13,
        "special/a?txt": 14,
        "special/dir with space/f.bin": 15,
        "special/ü/ß.bin": 16,
        "special/x/~tilde-_.bin": 17,
    },
    "gcs_special": {
        "m/#notes.json": 21,
        "m/q?.txt": 22,
        "m/[foo]": 23,
        "m/saved_model.pb": 24,
    },
    "savedmodel": {
        "pipelines/Trainer/model/12/Format-Serving/saved_model.pb": 4000,
        "pipelines/Trainer/model/12/Format-Serving/fingerprint.pb": 60,
        "pipelines/Trainer/model/12/Format-Serving/keras_metadata.pb": 900,
        "pipelines/Trainer/model/12/Format-Serving/variables/variables.index": 700,
        "pipelines/Trainer/model/12/Format-Serving/variables/variables.data-00000-of-00001":
            70000,
        "pipelines/Trainer/model/12/Format-Serving/assets/vocab.txt": 300,
        "pipelines/Trainer/model/12/Format-Serving/assets/": 0,
        "pipelines/Trainer/model/12/Format-Serving-old/saved_model.pb": 10,
    },
    "modelfolder": {
        "model/model.pkl": 800,
        "model/MLmodel": 200,
        "model/conda.yaml": 150,
        "model/modelcard.md": 250,
        "model/model/model.pkl": 810,
        "model.pkl": 5,
        "model-old/model.pkl": 6,
    },
    # For ranges, resumes and truncation: bigger than one socket buffer.
    "large": {"large/blob.bin": 3 * 1024 * 1024 + 17, "large/empty.bin": 0},
}


def objects_for(names, big_mib, small_count):
    objects = {}
    for name in names:
        objects.update(SETS[name])
    if big_mib:
        objects["bench/model/variables/variables.data-00000-of-00001"] = big_mib << 20
        for i in range(small_count):
            objects[f"bench/model/assets/shard-{i:04d}.bin"] = 4096 + (i * 37) % 8192
    return objects


def content(key, size, mirror):
    if key.endswith("/") and size == 0:
        os.makedirs(os.path.join(mirror, key), exist_ok=True)
        return None
    path = os.path.join(mirror, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        remaining = size
        while remaining:
            chunk = os.urandom(min(remaining, 1 << 20))
            f.write(chunk)
            remaining -= len(chunk)
    return path


def write_s3(args, objects):
    import boto3
    from botocore.config import Config

    s3 = boto3.client(
        "s3", endpoint_url=args.endpoint, region_name=args.region,
        aws_access_key_id=os.environ.get("MP_S3_ACCESS_KEY", "mptestaccesskey"),
        aws_secret_access_key=os.environ.get("MP_S3_SECRET_KEY",
                                             "mptestsecretkey-not-a-real-secret"),
        config=Config(s3={"addressing_style": "path"}))
    try:
        if args.region == "us-east-1":
            s3.create_bucket(Bucket=args.bucket)
        else:
            s3.create_bucket(Bucket=args.bucket, CreateBucketConfiguration={
                "LocationConstraint": args.region})
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    for key, size in objects.items():
        path = content(key, size, args.mirror)
        if path is None:
            s3.put_object(Bucket=args.bucket, Key=key, Body=b"")
        else:
            s3.upload_file(path, args.bucket, key)


def write_gcs(args, objects):
    os.environ["STORAGE_EMULATOR_HOST"] = args.endpoint
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    client = storage.Client(project="mp-test", credentials=AnonymousCredentials())
    bucket = client.bucket(args.bucket)
    if not bucket.exists():
        bucket = client.create_bucket(args.bucket)
    for key, size in objects.items():
        path = content(key, size, args.mirror)
        blob = bucket.blob(key)
        if path is None:
            blob.upload_from_string(b"")
        else:
            blob.upload_from_filename(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("service", choices=["s3", "gcs"])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--bucket", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--set", action="append", default=[], choices=sorted(SETS))
    parser.add_argument("--mirror", required=True)
    parser.add_argument("--big", type=int, default=0, help="MiB of the one large object")
    parser.add_argument("--small", type=int, default=0, help="count of small objects")
    args = parser.parse_args()
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        os.environ.pop(name, None)
    objects = objects_for(args.set, args.big, args.small)
    # Markers last: MinIO holds a 30 s lock when an object is written below an existing
    # zero-byte "folder/" object; the bucket's final content is the same either way.
    objects = dict(sorted(objects.items(), key=lambda kv: kv[0].endswith("/") and not kv[1]))
    (write_s3 if args.service == "s3" else write_gcs)(args, objects)
    print(f"wrote {len(objects)} objects to {args.service}://{args.bucket}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
