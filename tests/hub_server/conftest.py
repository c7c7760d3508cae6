"""pytest fixtures for the Hub-compatible test server.

* A session server is started in pytest_configure, *before* test modules import
  huggingface_hub, so that the official client reads HF_ENDPOINT/HF_HUB_DISABLE_XET/HF_HOME
  from the environment exactly as a user would set them.
* A network guard refuses any socket connection from this process to a non-loopback
  address: the official clients must never reach a real hub, even through a default.
* `hub_factory` starts extra servers with other flags (page sizes, redirect mode, ...).
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from hubtest import HubServer, WRITE_TOKEN  # noqa: E402

# Regular-file limit kept small so that LFS is exercised by small files; chunk size of
# 1 MiB so that a 2.5 MiB file goes through the multipart transfer.
SESSION_ARGS = ["--regular-file-limit", "4096", "--chunk-size", str(1 << 20)]

_state = {}


def _install_network_guard():
    orig_connect = socket.socket.connect
    orig_connect_ex = socket.socket.connect_ex

    def check(sock, address):
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return
        host = address[0] if isinstance(address, tuple) else address
        try:
            ok = ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise ConnectionRefusedError(f"hub_server tests: refusing non-loopback connection to {host!r}")

    def connect(self, address):
        check(self, address)
        return orig_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return orig_connect_ex(self, address)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex


def pytest_configure(config):
    _install_network_guard()
    tmp = tempfile.mkdtemp(prefix="hubtest-session-")
    hub = HubServer(data_dir=os.path.join(tmp, "data"), extra_args=SESSION_ARGS)
    hub.start()
    _state.update(hub=hub, tmp=tmp)
    env = hub.client_env(WRITE_TOKEN, home=os.path.join(tmp, "hf_home"))
    for k in list(os.environ):
        if k.startswith(("HF_", "HUGGING_FACE_")):
            del os.environ[k]
    os.environ.update({k: v for k, v in env.items() if k.startswith("HF_") or k.lower() == "no_proxy"})
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(k, None)


def pytest_unconfigure(config):
    hub = _state.pop("hub", None)
    if hub:
        hub.cleanup()
    tmp = _state.pop("tmp", None)
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def hub() -> HubServer:
    return _state["hub"]


@pytest.fixture
def hub_factory():
    started = []

    def make(*extra_args):
        h = HubServer(extra_args=list(extra_args))
        h.start()
        started.append(h)
        return h

    yield make
    for h in started:
        h.cleanup()


@pytest.fixture(scope="session")
def git_lfs_available():
    try:
        subprocess.run(["git", "lfs", "version"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.fail("git-lfs is required (run scripts/setup/hub_server.sh)")
    return True
