#!/usr/bin/env bash
# Hub push benchmark: modelpusher vs huggingface_hub upload_folder vs @huggingface/hub
# uploadFiles vs sha256sum, on the local Hub-compatible test server. See bench/README.md.
#
#   bench/hub/run.sh [bench.py flags...]     e.g. --scenarios 1gib --reps 3
#
# Builds build-bench (Release) if its binary is missing, then runs bench/hub/bench.py, which
# writes bench/results/hub.md (+ hub.json with every raw run). Not part of ./scripts/test.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BENCH_BUILD_DIR:-$ROOT/build-bench}"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export AWS_EC2_METADATA_DISABLED=true

PLUGIN="$BUILD/lib/modelpusher/plugins/registry_huggingface.so"
if [ ! -x "$BUILD/bin/modelpusher" ] || [ ! -f "$PLUGIN" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release
  ninja -C "$BUILD" -j2 modelpusher registry_huggingface source_file
fi
if [ ! -d "$ROOT/tests/hub_server/node_modules/@huggingface/hub" ]; then
  echo "run scripts/setup/hub_server.sh first (huggingface_hub, @huggingface/hub)" >&2
  exit 2
fi
python3 -c "import numpy, huggingface_hub" 2>/dev/null || {
  echo "needs python3 numpy and huggingface_hub (scripts/setup/hub_server.sh)" >&2; exit 2; }

exec python3 "$ROOT/bench/hub/bench.py" --modelpusher "$BUILD/bin/modelpusher" "$@"
