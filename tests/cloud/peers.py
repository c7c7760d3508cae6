#!/usr/bin/env python3
"""Starts and stops the cloud protocol peers on loopback, for tests and shell scripts.

  peers.py start [--s3 minio|moto|none] [--gcs] [--state FILE] [--owner-pid PID]
      Starts the peers on free 127.0.0.1 ports, waits until they answer, and prints
      KEY=VALUE lines (MP_S3_ENDPOINT, MP_S3_KIND, MP_GCS_ENDPOINT, MP_PEERS_STATE, test
      credentials). Exits non-zero, saying why, when a peer cannot start.
  peers.py which NAME
      Prints the path of a peer binary (minio, moto_server, fake-gcs-server), or exits 1.
  peers.py stop --state FILE
      Stops exactly the processes that `start` recorded in FILE.

Servers are bound to 127.0.0.1 only. The credentials are made up for the tests.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

S3_ACCESS_KEY = "mptestaccesskey"
S3_SECRET_KEY = "mptestsecretkey-not-a-real-secret"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_binary(name):
    path = shutil.which(name)
    if path:
        return path
    gopath = os.environ.get("GOPATH") or os.path.expanduser("~/go")
    candidate = os.path.join(gopath, "bin", name)
    return candidate if os.access(candidate, os.X_OK) else None


def wait_http(url, proc, seconds=60, ok_statuses=range(100, 600)):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} while starting")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status in ok_statuses:
                    return
        except urllib.error.HTTPError as e:
            if e.code in ok_statuses:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds}s")


def clean_env():
    env = dict(os.environ)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                 "ALL_PROXY"):
        env.pop(name, None)
    return env


def spawn(args, log_path, env=None):
    log = open(log_path, "wb")
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env or clean_env(),
                            start_new_session=True)


def start_minio(workdir):
    binary = find_binary("minio")
    if not binary:
        raise RuntimeError("minio is not installed (scripts/setup/cloud.sh builds it)")
    port, console = free_port(), free_port()
    env = clean_env()
    env.update(MINIO_ROOT_USER=S3_ACCESS_KEY, MINIO_ROOT_PASSWORD=S3_SECRET_KEY,
               MINIO_BROWSER="off", MINIO_UPDATE="off", MINIO_CI_CD="1")
    data = os.path.join(workdir, "minio-data")
    os.makedirs(data, exist_ok=True)
    proc = spawn([binary, "server", data, "--address", f"127.0.0.1:{port}",
                  "--console-address", f"127.0.0.1:{console}", "--quiet"],
                 os.path.join(workdir, "minio.log"), env)
    wait_http(f"http://127.0.0.1:{port}/minio/health/live", proc, ok_statuses=[200])
    return proc, f"http://127.0.0.1:{port}"


def start_moto(workdir):
    binary = find_binary("moto_server")
    if not binary:
        raise RuntimeError("moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    proc = spawn([binary, "-H", "127.0.0.1", "-p", str(port)], os.path.join(workdir, "moto.log"))
    wait_http(f"http://127.0.0.1:{port}/moto-api/", proc)
    return proc, f"http://127.0.0.1:{port}"


def start_fake_gcs(workdir):
    binary = find_binary("fake-gcs-server")
    if not binary:
        raise RuntimeError("fake-gcs-server is not installed (scripts/setup/cloud.sh)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = spawn([binary, "-scheme", "http", "-host", "127.0.0.1", "-port", str(port),
                  "-backend", "memory", "-public-host", f"127.0.0.1:{port}",
                  "-external-url", url, "-log-level", "warn"],
                 os.path.join(workdir, "fake-gcs.log"))
    wait_http(f"{url}/storage/v1/b", proc)
    return proc, url


def start(args):
    workdir = tempfile.mkdtemp(prefix="mp-cloud-peers-")
    state_path = args.state or os.path.join(workdir, "state.json")
    state = {"workdir": workdir, "pids": []}
    lines = {"MP_PEERS_STATE": state_path}
    try:
        if args.s3 != "none":
            proc, url = (start_minio if args.s3 == "minio" else start_moto)(workdir)
            state["pids"].append(proc.pid)
            lines.update(MP_S3_ENDPOINT=url, MP_S3_KIND=args.s3,
                         MP_S3_ACCESS_KEY=S3_ACCESS_KEY, MP_S3_SECRET_KEY=S3_SECRET_KEY)
        if args.gcs:
            proc, url = start_fake_gcs(workdir)
            state["pids"].append(proc.pid)
            lines.update(MP_GCS_ENDPOINT=url)
    except Exception as e:  # report, stop what was started, fail
        for pid in state["pids"]:
            stop_pid(pid)
        print(f"peers.py: {e}; logs in {workdir}", file=sys.stderr)
        return 1
    with open(state_path, "w") as f:
        json.dump(state, f)
    if args.owner_pid:
        # A watcher stops the peers when the owning process ends, even if it crashes before
        # calling `stop`.
        subprocess.Popen([sys.executable, os.path.abspath(__file__), "watch", "--state",
                          state_path, "--pid", str(args.owner_pid)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    for key, value in lines.items():
        print(f"{key}={value}")
    return 0


def stop_pid(pid):
    try:
        os.killpg(pid, signal.SIGTERM)  # the peer runs in its own session, group id == pid
    except ProcessLookupError:
        return
    for _ in range(50):
        try:
            os.kill(pid, 0)
            os.waitpid(pid, os.WNOHANG)
        except (ProcessLookupError, ChildProcessError):
            return
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def watch(args):
    deadline = time.time() + 6 * 3600  # bounded, like every loop in the tests
    while time.time() < deadline and os.path.exists(args.state):
        try:
            os.kill(args.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(1)
    if os.path.exists(args.state):
        stop(args)
    return 0


def stop(args):
    try:
        with open(args.state) as f:
            state = json.load(f)
    except FileNotFoundError:
        return 0
    for pid in state["pids"]:
        stop_pid(pid)
    try:
        os.remove(args.state)
    except FileNotFoundError:
        pass
    shutil.rmtree(state["workdir"], ignore_errors=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_start = sub.add_parser("start")
    p_start.add_argument("--s3", choices=["minio", "moto", "none"], default="none")
    p_start.add_argument("--gcs", action="store_true")
    p_start.add_argument("--state")
    p_start.add_argument("--owner-pid", type=int, default=0,
                         help="stop the peers when this process ends")
    p_which = sub.add_parser("which", help="print a peer binary's path; exit 1 if missing")
    p_which.add_argument("name")
    p_watch = sub.add_parser("watch")
    p_watch.add_argument("--state", required=True)
    p_watch.add_argument("--pid", type=int, required=True)
    p_stop = sub.add_parser("stop")
    p_stop.add_argument("--state", required=True)
    args = parser.parse_args()
    if args.command == "which":
        path = find_binary(args.name)
        print(path or "")
        return 0 if path else 1
    if args.command == "watch":
        return watch(args)
    return start(args) if args.command == "start" else stop(args)


if __name__ == "__main__":
    sys.exit(main())
