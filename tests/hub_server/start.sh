#!/usr/bin/env bash
# Start the Hub-compatible test server in the background and wait until it listens.
#
#   eval "$(tests/hub_server/start.sh --data /tmp/hub [server flags...])"
#   ... use $HUB_API_URL, $HUB_UPLOAD_URL ...
#   kill "$HUB_PID"            # or: tests/hub_server/start.sh --stop /tmp/hub
#
# Prints shell assignments: HUB_API_URL, HUB_UPLOAD_URL, HUB_API_PORT, HUB_UPLOAD_PORT,
# HUB_PID, HUB_DATA, HUB_LOG.  Ports default to 0 (free ports chosen by the kernel); pass
# --port/--upload-port to fix them.  Other flags go to hub_server.py unchanged (see README.md).
# The server log is DATA/server.log.  Tokens default to the built-in test tokens unless
# --tokens/--token is given.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${PYTHON:-python3}"

if [ "${1:-}" = "--stop" ]; then
  data="${2:?usage: start.sh --stop DATA_DIR}"
  if [ -f "$data/server.pid" ]; then
    pid="$(cat "$data/server.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    fi
    rm -f "$data/server.pid"
  fi
  exit 0
fi

data=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --data) data="$2"; shift 2 ;;
    --data=*) data="${1#--data=}"; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
[ -n "$data" ] || { echo "usage: start.sh --data DIR [hub_server.py flags]" >&2; exit 2; }
mkdir -p "$data"
data="$(cd "$data" && pwd)"
port_file="$data/ports.json"
rm -f "$port_file"

# defaults first, so that flags given by the caller (later on the line) win
nohup "$PY" "$HERE/hub_server.py" --data "$data" --port 0 --upload-port 0 \
  --port-file "$port_file" --pid-file "$data/server.pid" --quiet ${args[@]+"${args[@]}"} \
  >>"$data/server.log" 2>&1 </dev/null &
pid=$!

for _ in $(seq 1 300); do
  [ -f "$port_file" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "hub server exited; log:" >&2
    tail -n 30 "$data/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
[ -f "$port_file" ] || { echo "hub server did not start in 30 s" >&2; kill "$pid"; exit 1; }

"$PY" - "$port_file" "$data" <<'PYEOF'
import json, shlex, sys
info = json.load(open(sys.argv[1]))
data = sys.argv[2]
for k, v in (("HUB_API_URL", info["api_url"]), ("HUB_UPLOAD_URL", info["upload_url"]),
             ("HUB_API_PORT", info["api_port"]), ("HUB_UPLOAD_PORT", info["upload_port"]),
             ("HUB_PID", info["pid"]), ("HUB_DATA", data), ("HUB_LOG", data + "/server.log")):
    print(f"{k}={shlex.quote(str(v))}")
PYEOF
