"""Runs the modelpusher CLI for one push and returns its JSON result.

This module knows nothing about TFX: it builds the modelpusher config (a plain dict), runs
`modelpusher push --config FILE --json` and parses the one JSON document on stdout. The TFX
executor (executor.py) maps TFX artifacts onto it.

Secrets: the Hub token reaches the child process only through its environment (HF_TOKEN); the
config file says `token: {env: HF_TOKEN}` and the command line never holds it. Every text that
leaves this module (log lines, exception messages) goes through `redact` first.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

log = logging.getLogger("modelpusher_tfx")

#: Environment variable through which the token reaches the modelpusher child process.
TOKEN_ENV = "HF_TOKEN"
#: Environment variable naming the modelpusher binary (else `modelpusher` on PATH).
BINARY_ENV = "MODELPUSHER_BIN"

#: Config keys the component owns: a user-supplied config must not replace them.
_OWNED_TOP_KEYS = ("source", "registries", "pushes")
_OWNED_REGISTRY_KEYS = ("type", "repo", "token")

#: Statuses after which the run succeeds (exit 0); `failed` fails the component.
OK_STATUSES = ("pushed", "unchanged", "not_blessed", "dry_run")


class ModelPusherError(RuntimeError):
    """modelpusher could not push; the message is modelpusher's own (token redacted)."""


def redact(text: str, secret: Optional[str]) -> str:
    """Returns `text` with every occurrence of `secret` replaced (no-op for an empty secret)."""
    if not secret or not text:
        return text
    return text.replace(secret, "[REDACTED]")


def find_binary(explicit: Optional[str] = None) -> str:
    """Returns the modelpusher executable: `explicit`, else $MODELPUSHER_BIN, else PATH.

    Raises ModelPusherError naming what was tried when none is found or executable.
    """
    for candidate, origin in ((explicit, "argument"), (os.environ.get(BINARY_ENV), BINARY_ENV)):
        if candidate:
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
            raise ModelPusherError(
                f"modelpusher binary {candidate!r} (from {origin}) is not an executable file; "
                f"build or install modelpusher and point {BINARY_ENV} at it")
    found = shutil.which("modelpusher")
    if found:
        return found
    raise ModelPusherError(
        f"modelpusher binary not found: {BINARY_ENV} is unset and `modelpusher` is not on PATH; "
        "install modelpusher on the machine that runs the executor or set " + BINARY_ENV)


def _deep_merge(base: Dict[str, Any], extra: Mapping[str, Any]) -> Dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def check_user_config(extra_config: Optional[Mapping[str, Any]],
                      registry_config: Optional[Mapping[str, Any]]) -> None:
    """Raises ValueError when user-supplied config tries to replace what the component owns."""
    for key in _OWNED_TOP_KEYS:
        if extra_config and key in extra_config:
            raise ValueError(f"modelpusher_config must not set {key!r}: the component sets it "
                             "from its inputs")
    for key in _OWNED_REGISTRY_KEYS:
        if registry_config and key in registry_config:
            raise ValueError(f"registry_config must not set {key!r}: the component sets it "
                             "(the token comes from huggingface_access_token or HF_TOKEN)")


def build_config(source: str,
                 repo_id: str,
                 *,
                 tfx_blessings: Sequence[str] = (),
                 infra_blessings: Sequence[str] = (),
                 private: bool = True,
                 endpoint: Optional[str] = None,
                 extra_config: Optional[Mapping[str, Any]] = None,
                 registry_config: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """Returns the modelpusher config for one Hugging Face push.

    Blessing: every TFX ModelBlessing folder (`BLESSED`/`NOT_BLESSED`) and InfraBlessing folder
    (`INFRA_BLESSED`/`INFRA_NOT_BLESSED`) must bless, plus whatever `blessing` rule
    `extra_config` adds; with none of them the policy is `none` (push).
    Versioning defaults to whole seconds since the epoch with the branch named after it, as the
    HFModelPusher proposal does. The token is only ever a reference to $HF_TOKEN.
    """
    check_user_config(extra_config, registry_config)
    extra = dict(extra_config or {})
    rules: List[Any] = [{"tfx": d} for d in tfx_blessings] + [{"infra": d} for d in infra_blessings]
    if "blessing" in extra:
        user_rule = extra.pop("blessing")
        if user_rule not in (None, "none"):
            rules.append(user_rule)
    if not rules:
        blessing: Any = "none"
    elif len(rules) == 1:
        blessing = rules[0]
    else:
        blessing = {"all": rules}

    registry: Dict[str, Any] = {
        "type": "huggingface",
        "repo": repo_id,
        "private": bool(private),
        "token": {"env": TOKEN_ENV},
    }
    if endpoint:
        registry["endpoint"] = endpoint
    registry.update(copy.deepcopy(dict(registry_config or {})))

    config: Dict[str, Any] = {
        "source": source,
        "blessing": blessing,
        "versioning": {"scheme": "timestamp", "ref": "{version}"},
        "registries": [registry],
    }
    return _deep_merge(config, extra)


@dataclass
class PushResult:
    """The one result entry of `modelpusher push --json` for our single registry."""
    status: str
    pushed: int
    pushed_version: str = ""
    repo_id: str = ""
    branch: str = ""
    commit_id: str = ""
    repo_url: str = ""
    blessing: Dict[str, Any] = field(default_factory=dict)
    error: str = ""
    raw: Dict[str, Any] = field(default_factory=dict)


def _parse_result(stdout: str, token: Optional[str]) -> PushResult:
    doc = json.loads(stdout)
    results = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(results, list) or len(results) != 1:
        raise ModelPusherError(
            "modelpusher printed a JSON document without exactly one result for the one "
            f"registry this component configures: {redact(stdout[:2000], token)}")
    r = results[0]
    return PushResult(
        status=str(r.get("status", "")),
        pushed=int(r.get("pushed", 0) or 0),
        pushed_version=str(r.get("pushed_version", "") or ""),
        repo_id=str(r.get("repo_id", "") or ""),
        branch=str(r.get("branch", "") or ""),
        commit_id=str(r.get("commit_id", "") or ""),
        repo_url=str(r.get("repo_url", "") or ""),
        blessing=r.get("blessing") if isinstance(r.get("blessing"), dict) else {},
        error=redact(str(r.get("error", "") or ""), token),
        raw=r,
    )


def _pump_stderr(stream, token: Optional[str], sink: List[str]) -> None:
    for raw in iter(stream.readline, b""):
        line = redact(raw.decode("utf-8", errors="replace").rstrip("\n"), token)
        sink.append(line)
        del sink[:-200]  # keep the tail for error messages, memory stays flat
        log.info("modelpusher: %s", line)


def run_push(config: Mapping[str, Any],
             token: Optional[str],
             *,
             binary: Optional[str] = None,
             plugin_dir: Optional[str] = None,
             env: Optional[Mapping[str, str]] = None,
             timeout: Optional[float] = None) -> PushResult:
    """Runs `modelpusher push --config FILE --json` and returns its single result.

    `token` goes into the child's environment as HF_TOKEN and nowhere else. `env` is the base
    environment (default: this process's). modelpusher's log lines (stderr) are relayed to the
    `modelpusher_tfx` logger, token redacted.

    Returns the result for statuses pushed/unchanged/not_blessed/dry_run. Raises
    ModelPusherError with modelpusher's own message when the push failed, the config was
    refused (exit 2) or the output is not the documented JSON.
    """
    exe = find_binary(binary)
    child_env = dict(os.environ if env is None else env)
    if token:
        child_env[TOKEN_ENV] = token
    with tempfile.TemporaryDirectory(prefix="modelpusher-tfx-") as tmp:
        config_path = os.path.join(tmp, "modelpusher.yaml")
        # JSON is YAML: no YAML library needed, and the file holds no secret.
        with open(config_path, "w", encoding="utf-8") as f:
            json.dump(config, f, indent=2)
        argv = [exe, "push", "--config", config_path, "--json"]
        if plugin_dir:
            argv += ["--plugin-dir", plugin_dir]
        log.info("running %s", " ".join(argv))
        stdout_path = os.path.join(tmp, "stdout.json")
        stderr_tail: List[str] = []
        with open(stdout_path, "wb") as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, env=child_env,
                                    stdin=subprocess.DEVNULL)
            pump = threading.Thread(target=_pump_stderr, args=(proc.stderr, token, stderr_tail),
                                    daemon=True)
            pump.start()
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise ModelPusherError(f"modelpusher did not finish within {timeout} s; it was "
                                       "stopped (raise the component's timeout for large models)")
            finally:
                pump.join(timeout=10)
        with open(stdout_path, encoding="utf-8", errors="replace") as f:
            stdout = f.read()

    tail = "\n".join(stderr_tail[-20:])
    result: Optional[PushResult] = None
    if stdout.strip():
        try:
            result = _parse_result(stdout, token)
        except (ValueError, TypeError) as e:
            if code == 0:
                raise ModelPusherError(
                    f"modelpusher exited 0 but its output is not the documented JSON ({e}): "
                    f"{redact(stdout[:2000], token)}") from None
    if result is not None and result.status == "failed":
        raise ModelPusherError(result.error or f"modelpusher reported a failed push:\n{tail}")
    if code != 0:
        what = "refused the config or the command line" if code == 2 else "failed"
        raise ModelPusherError(f"modelpusher {what} (exit code {code}):\n{tail}".rstrip())
    if result is None:
        raise ModelPusherError(f"modelpusher exited 0 without a JSON result on stdout:\n{tail}")
    if result.status not in OK_STATUSES:
        raise ModelPusherError(f"modelpusher reported an unknown status {result.status!r}")
    return result
