import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def binary():
    env = os.environ.get("MODELPUSHER_BIN")
    return env if env else str(ROOT / "build" / "bin" / "modelpusher")


class Run:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    @property
    def json(self):
        return json.loads(self.out)["results"]


@pytest.fixture
def mp(tmp_path):
    """Runs the CLI; returns exit code, stdout, stderr."""
    def run(*args, env=None, timeout=300):
        full_env = dict(os.environ)
        full_env.setdefault("MODELPUSHER_NOW", "1764860400")
        full_env.update(env or {})
        proc = subprocess.run([binary(), *args], capture_output=True, text=True,
                              env=full_env, timeout=timeout, cwd=tmp_path)
        return Run(proc)
    return run


def write_tree(root, files):
    for rel, content in files.items():
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode()
        path.write_bytes(content)


def tree_hashes(root):
    out = {}
    for path in Path(root).rglob("*"):
        if path.is_file():
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out
