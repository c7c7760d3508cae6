#!/usr/bin/env bash
# Installs what the s3 and gs source plugins' tests and benchmark need. Idempotent: each step
# checks first, so a rerun costs seconds.
#   - Python: moto[server], boto3, awscli, google-cloud-storage, cryptography (pip)
#   - Go: fake-gcs-server v1.56.1, MinIO (go install; MinIO is large: see MP_SETUP_MINIO)
#   - rclone (go install), for the benchmark only when MP_SETUP_BENCH=1
# MinIO is built only with MP_SETUP_MINIO=1: `go install` takes about 30 minutes on 2 cores,
# a third of CI's time limit. Where it is not installed, its test cases say they are skipped
# and moto runs the same cases; where it is (this machine after one opt-in run), it runs.
set -euo pipefail

log() { echo "[setup/cloud] $*"; }

GOBIN_DIR="$(go env GOPATH 2>/dev/null || echo "$HOME/go")/bin"
export PATH="$PATH:$GOBIN_DIR"

py_has() { python3 -c "import $1" >/dev/null 2>&1; }

pip_install=()
py_has moto || pip_install+=("moto[server]")
python3 -c "import moto.server, flask" >/dev/null 2>&1 || pip_install+=("moto[server]")
py_has boto3 || pip_install+=(boto3)
command -v aws >/dev/null 2>&1 || pip_install+=(awscli)
py_has google.cloud.storage || pip_install+=(google-cloud-storage)
py_has cryptography || pip_install+=(cryptography)
if ((${#pip_install[@]})); then
  log "pip install ${pip_install[*]}"
  python3 -m pip install -q "${pip_install[@]}"
else
  log "python packages present"
fi

go_install() {  # binary, module@version
  if [[ -x "$GOBIN_DIR/$1" ]] || command -v "$1" >/dev/null 2>&1; then
    log "$1 present"
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "go is missing; cannot build $1"
    return 1
  fi
  log "go install $2 (first time only)"
  GOFLAGS=-p=2 go install "$2"
}

go_install fake-gcs-server github.com/fsouza/fake-gcs-server@v1.56.1
if [[ "${MP_SETUP_MINIO:-0}" == "1" ]]; then
  go_install minio github.com/minio/minio@latest || log "MinIO did not build; its tests will be skipped"
fi
if [[ "${MP_SETUP_BENCH:-0}" == "1" ]]; then
  go_install rclone github.com/rclone/rclone@latest || log "rclone did not build; the bench skips it"
fi
