#!/usr/bin/env python3
"""Hub push benchmark: modelpusher vs huggingface_hub / @huggingface/hub vs sha256sum.

    python3 bench/hub/bench.py [--scenarios 1gib,4gib,repush] [--reps 3] [--out FILE]

Run by bench/hub/run.sh (see bench/README.md). Everything happens on loopback against the
Hub-compatible test server (tests/hub_server), started here on free ports and stopped at the
end. For each scenario the data is generated deterministically (numpy PCG64, seeded) in a temp
dir, then every contender runs in turn under /usr/bin/time (peak RSS, CPU), the order rotated
on every repetition; the table shows medians. Bytes sent and LFS PUTs come from the server's
/_test/stats (reset before each run); the server's own CPU time is read from /proc/PID/stat.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HUB_DIR = os.path.join(ROOT, "tests", "hub_server")
HF_JS = os.path.join(HUB_DIR, "node_modules", "@huggingface", "hub", "dist", "index.mjs")
TOKEN = "hf_test_write_alice"  # the test server's built-in write token (user alice)
MiB = 1 << 20
CLK_TCK = os.sysconf("SC_CLK_TCK")

# ---------------------------------------------------------------------------------------------
# data


def write_random(path: str, size: int, rng: np.random.Generator) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(4 * MiB, left)
            f.write(rng.bytes(n))
            left -= n


def make_model(root: str, big_bytes: int, n_small: int, seed: int) -> dict:
    """One large binary file plus n_small files of 1 KiB..64 KiB, half binary, half text.

    Binary small files contain NUL bytes, so every client's preupload sends them through LFS;
    the text ones (base64 of random bytes) are regular files committed inline. Same seed, same
    bytes, on every machine.
    """
    rng = np.random.default_rng(seed)
    total = 0
    if big_bytes:
        write_random(os.path.join(root, "model.safetensors"), big_bytes, rng)
        total += big_bytes
    sizes = rng.integers(1024, 64 * 1024 + 1, size=n_small)
    for i, size in enumerate(sizes):
        size = int(size)
        sub = os.path.join(root, "assets", f"d{i % 10}")
        os.makedirs(sub, exist_ok=True)
        if i % 2 == 0:
            with open(os.path.join(sub, f"w{i:04d}.bin"), "wb") as f:
                f.write(rng.bytes(size))
        else:
            text = base64.b64encode(rng.bytes(size))[:size]
            with open(os.path.join(sub, f"t{i:04d}.txt"), "wb") as f:
                f.write(text)
        total += size
    files = sum(len(fs) for _, _, fs in os.walk(root))
    return {"dir": root, "bytes": total, "files": files}


def list_files(root: str) -> list[str]:
    out = []
    for d, _, fs in os.walk(root):
        out += [os.path.relpath(os.path.join(d, f), root) for f in fs]
    return sorted(out)


# ---------------------------------------------------------------------------------------------
# server


class Hub:
    def __init__(self, data: str, lifetime: int, extra: list[str]):
        out = subprocess.run(
            [os.path.join(HUB_DIR, "start.sh"), "--data", data, "--max-lifetime", str(lifetime)]
            + extra, check=True, capture_output=True, text=True).stdout
        env = dict(line.split("=", 1) for line in out.split() if "=" in line)
        self.data = data
        self.url = env["HUB_API_URL"].strip("'")
        self.pid = int(env["HUB_PID"].strip("'"))
        assert self.url.startswith("http://127.0.0.1:"), self.url

    def _call(self, method: str, path: str, body: dict | None = None, token: bool = False):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {TOKEN}")
        with urllib.request.urlopen(req, timeout=120) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def stats(self) -> dict:
        return self._call("GET", "/_test/stats")

    def reset_stats(self) -> None:
        self._call("POST", "/_test/stats/reset")

    def delete_repo(self, repo_id: str) -> None:
        """Frees the disk a finished run used (its LFS objects live in the repo)."""
        org, name = repo_id.split("/")
        try:
            self._call("DELETE", "/api/repos/delete",
                       {"name": name, "organization": org, "type": "model"}, token=True)
        except Exception as e:  # a leftover repo only costs disk
            print(f"  (could not delete {repo_id}: {e})", file=sys.stderr)

    def cpu_s(self) -> float:
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # utime + stime + the same of waited-for children (the git plumbing it runs)
        return sum(int(x) for x in fields[11:15]) / CLK_TCK

    def stop(self) -> None:
        subprocess.run([os.path.join(HUB_DIR, "start.sh"), "--stop", self.data], check=False)


# ---------------------------------------------------------------------------------------------
# one measured run


def measure(cmd: list[str], env: dict, timeout: int, hub: Hub | None, cwd: str | None = None):
    tf = tempfile.NamedTemporaryFile(prefix="bench-time-", delete=False)
    tf.close()
    if hub:
        hub.reset_stats()
        cpu0 = hub.cpu_s()
    t0 = time.perf_counter()
    try:
        p = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf.name] + cmd,
                           env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = "timeout", e.stdout or "", f"timed out after {timeout} s"
    wall = time.perf_counter() - t0
    res = {"wall_s": wall, "rc": rc, "stdout": str(out)[-2000:], "stderr": str(err)[-2000:]}
    try:
        with open(tf.name) as f:
            last = f.read().strip().splitlines()[-1].split()
        res.update(user_s=float(last[1]), sys_s=float(last[2]), rss_mib=int(last[3]) / 1024)
    except Exception:
        res.update(user_s=float("nan"), sys_s=float("nan"), rss_mib=float("nan"))
    os.unlink(tf.name)
    if hub:
        res["server_cpu_s"] = hub.cpu_s() - cpu0
        st = hub.stats()
        res["lfs_bytes"] = st["lfs"]["bytes_received_total"]
        res["api_bytes"] = st["api_body_bytes"]
        res["lfs_puts"] = st["lfs"]["puts"] + st["lfs"]["part_puts"]
        res["commits"] = st["commits"]
        res["requests_total"] = st["requests_total"]  # both hosts
        res["requests"] = st["requests"]
    return res


def client_env(hub: Hub, home: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update(HF_ENDPOINT=hub.url, HF_TOKEN=TOKEN, HF_HUB_DISABLE_XET="1",
               HF_HUB_DISABLE_TELEMETRY="1", HF_HOME=os.path.join(home, "hf_home"),
               BENCH_HUB_URL=hub.url, BENCH_HF_TOKEN=TOKEN, BENCH_HF_JS=HF_JS,
               AWS_EC2_METADATA_DISABLED="true", GCE_METADATA_HOST="127.0.0.1:9",
               NO_PROXY="127.0.0.1,localhost")
    return env


class Runner:
    def __init__(self, args, hub: Hub, work: str):
        self.args, self.hub, self.work = args, hub, work
        self.env = client_env(hub, work)
        self.n = 0

    def _fresh(self, tag: str) -> str:
        self.n += 1
        return f"alice/bench-{tag}-{os.getpid()}-{self.n}"

    def sha256sum(self, model: dict) -> dict:
        return measure(["sha256sum", "--"] + list_files(model["dir"]), self.env,
                       self.args.timeout, None, cwd=model["dir"])

    def modelpusher(self, model: dict, repo: str | None = None, now: int | None = None,
                    keep: bool = False) -> dict:
        repo = repo or self._fresh("mp")
        now = now or 1_700_000_000 + self.n
        cfg = os.path.join(self.work, f"mp-{self.n}.yaml")
        with open(cfg, "w") as f:
            f.write(f"source: {model['dir']}\n"
                    "versioning: {scheme: timestamp, ref: \"v{version}\"}\n"
                    "registries:\n"
                    "  - type: huggingface\n"
                    f"    repo: {repo}\n"
                    f"    endpoint: {self.hub.url}\n"
                    "    token: {env: BENCH_HF_TOKEN}\n")
        env = dict(self.env, MODELPUSHER_NOW=str(now))
        r = measure([self.args.modelpusher, "push", "--config", cfg, "--json"], env,
                    self.args.timeout, self.hub)
        try:
            doc = json.loads(r["stdout"])
            results = doc if isinstance(doc, list) else doc.get("results", [doc])
            r["status"] = ",".join(str(x.get("status")) for x in results)
        except Exception:
            r["status"] = "?"
        if not keep:
            self.hub.delete_repo(repo)
        return r

    def upload_folder(self, model: dict) -> dict:
        repo = self._fresh("py")
        r = measure([sys.executable, os.path.join(HERE, "upload_folder.py"), model["dir"], repo,
                     "v1"], self.env, self.args.timeout, self.hub)
        self.hub.delete_repo(repo)
        return r

    def upload_files_js(self, model: dict) -> dict:
        repo = self._fresh("js")
        r = measure(["node", os.path.join(HERE, "upload_files.mjs"), model["dir"], repo, "v1"],
                    self.env, self.args.timeout, self.hub)
        self.hub.delete_repo(repo)
        return r


# ---------------------------------------------------------------------------------------------
# scenarios


def run_rotated(contenders: list[tuple[str, callable]], reps: int, label: str) -> dict:
    runs: dict[str, list[dict]] = {name: [] for name, _ in contenders}
    for rep in range(reps):
        order = contenders[rep % len(contenders):] + contenders[:rep % len(contenders)]
        for name, fn in order:
            r = fn()
            r["load1"] = os.getloadavg()[0]
            runs[name].append(r)
            ok = r["rc"] == 0
            print(f"  [{label} rep {rep + 1}/{reps}] {name:<22} {r['wall_s']:8.2f} s  "
                  f"rss {r['rss_mib']:7.1f} MiB  rc {r['rc']}"
                  + ("" if ok else f"\n    stderr: {r['stderr'][-600:]}"), flush=True)
    return runs


def scenario_push(runner: Runner, model: dict, reps: int, label: str, with_clients: bool):
    c = [("sha256sum", lambda: runner.sha256sum(model)),
         ("modelpusher", lambda: runner.modelpusher(model))]
    if with_clients:
        c += [("huggingface_hub upload_folder", lambda: runner.upload_folder(model)),
              ("@huggingface/hub uploadFiles", lambda: runner.upload_files_js(model))]
    return run_rotated(c, reps, label)


def scenario_repush(runner: Runner, model: dict, reps: int):
    repo = runner._fresh("mp-repush")
    first = runner.modelpusher(model, repo=repo, now=1_700_000_000, keep=True)
    print(f"  [repush] first push {first['wall_s']:.2f} s rc {first['rc']} "
          f"status {first.get('status')}", flush=True)
    k = iter(range(1, 1000))
    c = [("sha256sum", lambda: runner.sha256sum(model)),
         ("modelpusher (re-push)",
          lambda: runner.modelpusher(model, repo=repo, now=1_700_000_000 + next(k), keep=True))]
    runs = run_rotated(c, reps, "repush")
    runs = {"modelpusher (first push)": [first], **runs}
    runner.hub.delete_repo(repo)
    return runs


# ---------------------------------------------------------------------------------------------
# report


def med(runs: list[dict], key: str) -> float:
    vals = [r[key] for r in runs if key in r and r[key] == r[key]]
    return statistics.median(vals) if vals else float("nan")


def fmt_bytes(n: float) -> str:
    if n != n:
        return "–"
    return f"{n / MiB:,.1f} MiB" if n >= MiB else f"{n / 1024:,.1f} KiB"


def table(runs: dict, model: dict, ref_py: str | None) -> list[str]:
    sha = med(runs.get("sha256sum", []), "wall_s")
    py = med(runs[ref_py], "wall_s") if ref_py and ref_py in runs else float("nan")
    lines = ["| contender | wall s (median; min–max) | peak RSS MiB | client CPU s (user+sys) "
             "| bytes sent (LFS + API) | HTTP requests | LFS PUTs | server CPU s "
             "| client + server CPU s | × upload_folder | × sha256sum | ok |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, rs in runs.items():
        walls = [r["wall_s"] for r in rs]
        w = statistics.median(walls)
        cpu = med([dict(c=r["user_s"] + r["sys_s"]) for r in rs], "c")
        sent = med([dict(b=r["lfs_bytes"] + r["api_bytes"]) for r in rs if "lfs_bytes" in r], "b")
        puts = med(rs, "lfs_puts")
        scpu = med(rs, "server_cpu_s")
        reqs = med(rs, "requests_total")
        both = med([dict(c=r["user_s"] + r["sys_s"] + r.get("server_cpu_s", 0)) for r in rs], "c")
        oks = sum(1 for r in rs if r["rc"] == 0)
        status = {r.get("status") for r in rs if r.get("status")}
        ok = f"{oks}/{len(rs)}" + (f" ({','.join(sorted(status))})" if status else "")
        lines.append(
            f"| {name} | {w:.2f} ({min(walls):.2f}–{max(walls):.2f}) | {med(rs, 'rss_mib'):.1f} "
            f"| {cpu:.2f} | {fmt_bytes(sent)} | {'–' if reqs != reqs else int(reqs)} "
            f"| {'–' if puts != puts else int(puts)} "
            f"| {'–' if scpu != scpu else f'{scpu:.2f}'} | {both:.2f} "
            f"| {'–' if py != py else f'{w / py:.2f}'} "
            f"| {'–' if sha != sha else f'{w / sha:.2f}'} "
            f"| {ok} |")
    lines.append("")
    lines.append(f"Model: {model['files']} files, {model['bytes'] / MiB:,.1f} MiB "
                 f"({model['bytes'] / (1 << 30):.2f} GiB).")
    return lines


def machine() -> dict:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / (1 << 20):.1f} GiB"
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem": mem, "kernel": platform.release(),
            "python": platform.python_version()}


def tool_versions(args) -> dict:
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
        except Exception as e:
            return f"? ({e})"
    js_pkg = os.path.join(HUB_DIR, "node_modules", "@huggingface", "hub", "package.json")
    return {
        "modelpusher": out([args.modelpusher, "--version"]).splitlines()[0:1],
        "huggingface_hub": out([sys.executable, "-c",
                                "import huggingface_hub as h; print(h.__version__)"]),
        "@huggingface/hub": json.load(open(js_pkg))["version"] if os.path.exists(js_pkg) else "?",
        "node": out(["node", "--version"]),
        "sha256sum": out(["sha256sum", "--version"]).splitlines()[0:1],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenarios", default="1gib,4gib,repush,many")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of the 1 GiB scenario")
    ap.add_argument("--big-mib", type=int, default=900)
    ap.add_argument("--small", type=int, default=500)
    ap.add_argument("--huge-mib", type=int, default=4096 - 16,
                    help="the large file of the 4 GiB model (plus the same small files)")
    ap.add_argument("--huge-reps", type=int, default=1)
    ap.add_argument("--repush-files", type=int, default=1000)
    ap.add_argument("--repush-big-mib", type=int, default=64)
    ap.add_argument("--repush-reps", type=int, default=3)
    ap.add_argument("--many-files", type=int, default=3000,
                    help="files of the 'many' scenario (~48 MiB inline text at 3000)")
    ap.add_argument("--many-reps", type=int, default=1)
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--timeout", type=int, default=900, help="seconds per contender run")
    ap.add_argument("--modelpusher", default=os.path.join(ROOT, "build-bench", "bin",
                                                          "modelpusher"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "hub.md"))
    ap.add_argument("--json-out", default=None, help="raw runs (default: OUT with .json)")
    ap.add_argument("--server-args", default="",
                    help="extra hub_server.py flags, e.g. '--chunk-size 2147483648'")
    ap.add_argument("--tmp", default=None, help="parent of the temp dir (default: $TMPDIR)")
    args = ap.parse_args()
    scenarios = args.scenarios.split(",")
    for tool in ("sha256sum", "node", "/usr/bin/time", args.modelpusher):
        if not shutil.which(tool):
            print(f"missing: {tool}", file=sys.stderr)
            return 2

    started = datetime.datetime.now(datetime.timezone.utc)
    info = {"started": started.strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
            "uptime_start": subprocess.run(["uptime"], capture_output=True,
                                           text=True).stdout.strip(),
            "versions": tool_versions(args), "args": vars(args)}
    print(json.dumps(info, indent=1), flush=True)

    work = tempfile.mkdtemp(prefix="modelpusher-hub-bench-", dir=args.tmp)
    hub = Hub(os.path.join(work, "hub"), lifetime=3 * 3600, extra=args.server_args.split())
    sections, raw = [], {}
    try:
        runner = Runner(args, hub, work)
        for sc in scenarios:
            t0 = time.time()
            if sc == "1gib":
                model = make_model(os.path.join(work, "m1"), args.big_mib * MiB, args.small,
                                   args.seed)
                print(f"1gib: {model}", flush=True)
                runs = scenario_push(runner, model, args.reps, "1gib", with_clients=True)
                title = (f"## 1 GiB model: one {args.big_mib} MiB file + {args.small} small files "
                         f"(median of {args.reps}, order rotated)")
                ref = "huggingface_hub upload_folder"
            elif sc == "4gib":
                model = make_model(os.path.join(work, "m4"), args.huge_mib * MiB, args.small,
                                   args.seed + 1)
                print(f"4gib: {model}", flush=True)
                runs = scenario_push(runner, model, args.huge_reps, "4gib", with_clients=False)
                title = (f"## 4 GiB model: one {args.huge_mib} MiB file + {args.small} small "
                         f"files, modelpusher and sha256sum only (median of {args.huge_reps})")
                ref = None
            elif sc == "many":
                model = make_model(os.path.join(work, "mm"), 0, args.many_files, args.seed + 3)
                print(f"many: {model}", flush=True)
                runs = scenario_push(runner, model, args.many_reps, "many", with_clients=True)
                title = (f"## Many small files: {args.many_files} files of 1–64 KiB, half inline "
                         f"text (median of {args.many_reps}, order rotated)")
                ref = "huggingface_hub upload_folder"
            elif sc == "repush":
                model = make_model(os.path.join(work, "mr"), args.repush_big_mib * MiB,
                                   args.repush_files - 1, args.seed + 2)
                print(f"repush: {model}", flush=True)
                runs = scenario_repush(runner, model, args.repush_reps)
                title = (f"## Unchanged re-push of a {model['files']}-file model "
                         f"(one {args.repush_big_mib} MiB file + {args.repush_files - 1} small; "
                         f"median of {args.repush_reps})")
                ref = None
            else:
                print(f"unknown scenario {sc}", file=sys.stderr)
                return 2
            load = os.getloadavg()
            sections += [title, "", *table(runs, model, ref),
                         f"Load average after the scenario: {load[0]:.2f} {load[1]:.2f} "
                         f"{load[2]:.2f}; took {time.time() - t0:.0f} s.", ""]
            raw[sc] = {"model": model, "runs": runs}
            shutil.rmtree(model["dir"], ignore_errors=True)
    finally:
        hub.stop()
        shutil.rmtree(work, ignore_errors=True)

    m = info["machine"]
    head = [
        "# Hub push benchmark (bench/hub)", "",
        f"Run {info['started']} on {m['nproc']} × {m['cpu']}, {m['mem']} RAM, "
        f"Linux {m['kernel']}.",
        f"`uptime` at the start: `{info['uptime_start']}`; at the end: "
        f"`{subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}`.",
        "The machine is shared (other builds run on it), so wall times are noisy.",
        f"Test server flags: `{args.server_args or '(defaults: multipart chunk 64 MiB)'}`.",
        "", "Versions: " + ", ".join(f"{k} {v if isinstance(v, str) else ' '.join(v)}"
                                     for k, v in info["versions"].items()) + ".", "",
        "Columns (bench/README.md has the details): wall time of the whole process (median; "
        "min–max over repetitions); peak RSS (`/usr/bin/time` %M); client CPU (user+sys); bytes "
        "the server received (LFS bodies + API bodies, from `/_test/stats`); HTTP requests "
        "(both server hosts); LFS PUT requests (whole objects + multipart parts); CPU time the "
        "Python test server spent during the run (/proc); client + server CPU; wall time "
        "relative to `upload_folder` and to `sha256sum` over the same files (page cache warm "
        "for all).", "",
    ]
    text = "\n".join(head + sections)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(text)
    with open(args.json_out or os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump({"info": info, "raw": raw}, f, indent=1, default=str)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
