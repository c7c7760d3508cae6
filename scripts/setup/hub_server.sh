#!/usr/bin/env bash
# Idempotent installer for tests/hub_server: the Hub-compatible test server and its fidelity
# tests.  Installs (only when missing or at the wrong version):
#   - git and git-lfs (Debian packages),
#   - the Python packages of tests/hub_server/requirements.txt (huggingface_hub pinned),
#   - the npm packages of tests/hub_server/package.json into tests/hub_server/node_modules.
# The server itself needs only python3 (>= 3.9) and git.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="$ROOT/tests/hub_server"
PY="${PYTHON:-python3}"

log() { printf 'setup/hub_server: %s\n' "$*" >&2; }

# --- git + git-lfs -----------------------------------------------------------------------
need_apt=()
command -v git >/dev/null 2>&1 || need_apt+=(git)
git lfs version >/dev/null 2>&1 || need_apt+=(git-lfs)
if ((${#need_apt[@]})); then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    log "installing ${need_apt[*]} with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    log "please install: ${need_apt[*]}"
    exit 1
  fi
fi

# --- Python packages -----------------------------------------------------------------------
if ! "$PY" - "$DIR/requirements.txt" <<'PYEOF' >/dev/null 2>&1
import sys, re
from importlib.metadata import version, PackageNotFoundError
ok = True
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    m = re.match(r"^([A-Za-z0-9_.-]+)\s*(==|>=)\s*([^\s;]+)", line)
    if not m:
        continue
    name, op, want = m.groups()
    try:
        have = version(name)
    except PackageNotFoundError:
        ok = False
        continue
    if op == "==" and have != want:
        ok = False
    if op == ">=":
        hv = tuple(int(x) for x in re.findall(r"\d+", have)[:3])
        wv = tuple(int(x) for x in re.findall(r"\d+", want)[:3])
        ok = ok and hv >= wv
sys.exit(0 if ok else 1)
PYEOF
then
  log "pip install -r tests/hub_server/requirements.txt"
  "$PY" -m pip install -q --disable-pip-version-check -r "$DIR/requirements.txt"
fi

# --- npm packages --------------------------------------------------------------------------
if command -v npm >/dev/null 2>&1; then
  want="$(node -e 'console.log(require(process.argv[1]).dependencies["@huggingface/hub"])' "$DIR/package.json")"
  have="$(node -e 'try{console.log(require(process.argv[1]).version)}catch(e){console.log("")}' \
           "$DIR/node_modules/@huggingface/hub/package.json" 2>/dev/null || true)"
  if [ "$have" != "$want" ]; then
    log "npm ci in tests/hub_server (@huggingface/hub $want)"
    (cd "$DIR" && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; })
  fi
else
  log "npm not found: the JavaScript fidelity test (test_js_client.mjs) cannot run"
  exit 1
fi
log "ok"
