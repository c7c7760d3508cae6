#!/usr/bin/env bash
# Read throughput and peak RSS of a ~1 GiB model (one large object + 500 small ones) on local
# servers: modelpusher's s3 plugin vs awscli (and rclone when installed) on MinIO, and
# modelpusher's gs plugin vs the official Python client on fake-gcs-server. Every reader
# writes the files to disk, so all pay the same cost. Prints one table. Not part of the tests.
#
#   bench/cloud/run.sh [BUILD_DIR]     (default: build; needs the source_s3/source_gcs plugins)
#   MP_BENCH_BIG_MIB=1000 MP_BENCH_SMALL=500 MP_BENCH_THREADS=4 to change the model/threads.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$root/build}"
big="${MP_BENCH_BIG_MIB:-1000}" small="${MP_BENCH_SMALL:-500}" threads="${MP_BENCH_THREADS:-4}"
work="$(mktemp -d /tmp/mp-cloud-bench-XXXXXX)"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
export AWS_EC2_METADATA_DISABLED=true GCE_METADATA_HOST=127.0.0.1:9

plugins="$build/lib/modelpusher/plugins"
[[ -f "$plugins/source_s3.so" && -f "$plugins/source_gcs.so" ]] || {
  echo "build the plugins first: ninja -C $build source_s3 source_gcs" >&2; exit 1; }
bench="$work/bench_source"
c++ -std=c++20 -O2 -I"$root/core/include" "$root/bench/cloud/bench_source.cc" \
  -L"$build/lib" -Wl,-rpath,"$build/lib" -lmodelpusher -ldl -pthread -o "$bench"

eval "$("$root/tests/cloud/start_peers.sh" --s3 "${MP_BENCH_S3:-minio}" --gcs)"
trap '"$root/tests/cloud/start_peers.sh" --stop "$MP_PEERS_STATE"; rm -rf "$work"' EXIT

echo "writing the model (${big} MiB + ${small} small objects) with boto3 and google-cloud-storage..." >&2
python3 "$root/tests/cloud/fixtures.py" s3 --endpoint "$MP_S3_ENDPOINT" --bucket mp-bench \
  --mirror "$work/mirror-s3" --big "$big" --small "$small" >&2
python3 "$root/tests/cloud/fixtures.py" gcs --endpoint "$MP_GCS_ENDPOINT" --bucket mp-bench \
  --mirror "$work/mirror-gcs" --big "$big" --small "$small" >&2
rm -rf "$work/mirror-s3" "$work/mirror-gcs"

rows=()
measure() {  # name, command...
  local name="$1"; shift
  rm -rf "$work/out"; mkdir -p "$work/out"; sync
  if ! /usr/bin/time -v -o "$work/time.txt" "$@" > "$work/stdout.txt" 2> "$work/stderr.txt"; then
    rows+=("$(printf '%-34s %10s %10s %12s' "$name" failed - -)")
    sed 's/^/    /' "$work/stderr.txt" | tail -5 >&2
    return
  fi
  local secs rss bytes
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/{printf "%.0f", $2/1024}' "$work/time.txt")
  bytes=$(du -sb "$work/out" | cut -f1)
  rows+=("$(printf '%-34s %10.2f %10.1f %12s' "$name" "$secs" "$(echo "$bytes / 1048576 / $secs" | bc -l)" "$rss")")
}

export AWS_ACCESS_KEY_ID="$MP_S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$MP_S3_SECRET_KEY"
measure "s3: modelpusher source_s3 ($threads thr)" "$bench" "$plugins/source_s3.so" \
  s3://mp-bench/bench/model --threads "$threads" --out "$work/out"
measure "s3: aws s3 cp --recursive" aws --endpoint-url "$MP_S3_ENDPOINT" s3 cp --recursive \
  --only-show-errors s3://mp-bench/bench/model "$work/out"
if command -v rclone >/dev/null 2>&1; then
  measure "s3: rclone copy ($threads transfers)" rclone copy --transfers "$threads" \
    --s3-provider Minio --s3-endpoint "$MP_S3_ENDPOINT" --s3-access-key-id "$MP_S3_ACCESS_KEY" \
    --s3-secret-access-key "$MP_S3_SECRET_KEY" --s3-region us-east-1 \
    ":s3:mp-bench/bench/model" "$work/out"
else
  rows+=("$(printf '%-34s %s' "s3: rclone" "not installed (MP_SETUP_BENCH=1 scripts/setup/cloud.sh)")")
fi
export STORAGE_EMULATOR_HOST="$MP_GCS_ENDPOINT"
measure "gs: modelpusher source_gcs ($threads thr)" "$bench" "$plugins/source_gcs.so" \
  gs://mp-bench/bench/model --threads "$threads" --out "$work/out"
measure "gs: google-cloud-storage ($threads thr)" python3 "$root/bench/cloud/gcs_python_read.py" \
  mp-bench bench/model/ "$work/out" --threads "$threads"

printf '\n%-34s %10s %10s %12s\n' "reader (${big} MiB + ${small} files)" "seconds" "MiB/s" "peak RSS MiB"
printf '%s\n' "${rows[@]}"
