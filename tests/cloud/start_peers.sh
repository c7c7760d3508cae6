#!/usr/bin/env bash
# Starts the cloud peers on free loopback ports and prints env lines, for shell scripts and
# the integrator's end-to-end pushes:
#   eval "$(tests/cloud/start_peers.sh --s3 minio --gcs)"      # or --s3 moto
#   ... use $MP_S3_ENDPOINT / $MP_GCS_ENDPOINT; write fixtures with tests/cloud/fixtures.py ...
#   tests/cloud/start_peers.sh --stop "$MP_PEERS_STATE"
# Besides peers.py's lines it exports what the official clients and our plugins read:
# AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (made-up test keys), AWS_REGION,
# STORAGE_EMULATOR_HOST, AWS_EC2_METADATA_DISABLED, GCE_METADATA_HOST (an unused port).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ "${1:-}" == "--stop" ]]; then
  exec python3 "$here/peers.py" stop --state "$2"
fi
out="$(python3 "$here/peers.py" start "$@")"
while IFS='=' read -r key value; do
  [[ -z "$key" ]] && continue
  echo "export $key=$(printf '%q' "$value")"
  case "$key" in
    MP_S3_ENDPOINT) echo "export AWS_ENDPOINT_URL=$(printf '%q' "$value")" ;;
    MP_S3_ACCESS_KEY) echo "export AWS_ACCESS_KEY_ID=$(printf '%q' "$value")" ;;
    MP_S3_SECRET_KEY) echo "export AWS_SECRET_ACCESS_KEY=$(printf '%q' "$value")" ;;
    MP_GCS_ENDPOINT) echo "export STORAGE_EMULATOR_HOST=$(printf '%q' "$value")" ;;
  esac
done <<<"$out"
echo "export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true GCE_METADATA_HOST=127.0.0.1:9"
echo "unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY"
