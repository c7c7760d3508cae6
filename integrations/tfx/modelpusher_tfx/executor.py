"""HFModelPusher executor: maps TFX artifacts onto a modelpusher run and back.

Output properties of the `PushedModel` artifact (custom properties, as TFX's Pusher sets them):

| property          | value                                                               |
| ----------------- | ------------------------------------------------------------------- |
| pushed            | 1 when the model is on the Hub (pushed now, or `unchanged`), 0 when |
|                   | it was not blessed (or a dry run)                                   |
| pushed_version    | the version: whole seconds since the epoch of the push              |
| repo_id           | `{username}/{repo_name}`                                            |
| branch            | the branch holding the version (equal to pushed_version)            |
| commit_id         | the commit on that branch                                           |
| repo_url          | the Hub page of that branch                                         |
| pushed_destination| same as repo_url (the key TFX's own Pusher uses)                    |
| push_status       | modelpusher's status: pushed, unchanged, not_blessed, dry_run       |
| blessing_rule,    | which blessing rule decided and why                                 |
| blessing_reason   |                                                                     |

`unchanged` (the Hub already holds a version with exactly these files, e.g. when a pipeline run
is retried after the push but before TFX recorded it) maps to pushed = 1 with the existing
version, branch and commit: downstream TFX steps gate on `pushed == 1` meaning "this model is
served from that version", which is true; pushed = 0 would tell them the model was rejected.
`push_status` tells the two cases apart.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Dict, List, Optional
from urllib.parse import urlparse

from tfx import types
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import path_utils

from modelpusher_tfx import runner

log = logging.getLogger("modelpusher_tfx")

# Keys shared with TFX's standard_component_specs (the Pusher's names).
MODEL_KEY = "model"
MODEL_BLESSING_KEY = "model_blessing"
INFRA_BLESSING_KEY = "infra_blessing"
PUSHED_MODEL_KEY = "pushed_model"

USERNAME_KEY = "username"
TOKEN_KEY = "huggingface_access_token"
REPO_NAME_KEY = "repo_name"
PRIVATE_KEY = "private"
ENDPOINT_KEY = "endpoint"
MODELPUSHER_CONFIG_KEY = "modelpusher_config"
REGISTRY_CONFIG_KEY = "registry_config"
TIMEOUT_KEY = "timeout_seconds"


def _json_param(exec_properties: Dict[str, Any], key: str) -> Optional[Dict[str, Any]]:
    value = exec_properties.get(key)
    if value in (None, ""):
        return None
    parsed = json.loads(value) if isinstance(value, str) else value
    if not isinstance(parsed, dict):
        raise ValueError(f"{key} must be a JSON object, got {type(parsed).__name__}")
    return parsed


def _is_remote(uri: str) -> bool:
    return urlparse(uri).scheme not in ("", "file")


def model_source(model: types.Artifact) -> str:
    """Returns the folder to push for a TFX Model artifact, as TFX's Pusher finds it.

    Trainer writes the serving model under `<uri>/Format-Serving` (older artifacts:
    `<uri>/serving_model_dir`); path_utils resolves that, including the estimator `export/`
    layout. A Model artifact whose folder holds the model directly (e.g. an Importer of a
    Hugging Face model folder) has no such sub-folder, and then its own uri is pushed.
    """
    serving = path_utils.serving_model_dir(model.uri, path_utils.is_old_model_artifact(model))
    try:
        from tfx.dsl.io import fileio  # pylint: disable=g-import-not-at-top
        if fileio.exists(serving):
            return path_utils.serving_model_path(model.uri, path_utils.is_old_model_artifact(model))
        return model.uri
    except Exception as e:  # noqa: BLE001 - fileio raises plain Exceptions per filesystem
        if not _is_remote(model.uri):
            raise
        # Limitation: without TensorFlow installed, TFX's fileio has no gs:// or s3:// file
        # system, so the layout cannot be probed; the Trainer layout (Format-Serving) is assumed
        # and modelpusher's own sources read it.
        log.warning("cannot probe %s (%s); pushing the Trainer layout %s", model.uri, e, serving)
        return serving


class Executor(base_executor.BaseExecutor):
    """Pushes a blessed model to the Hugging Face Hub by running modelpusher."""

    def Do(self, input_dict: Dict[str, List[types.Artifact]],
           output_dict: Dict[str, List[types.Artifact]],
           exec_properties: Dict[str, Any]) -> None:
        """Runs one push; see the module docstring for the output properties.

        Raises ValueError for a bad configuration and runner.ModelPusherError (with
        modelpusher's own message) when the push fails; a model that is not blessed is a
        successful run with pushed = 0.
        """
        pushed_model = artifact_utils.get_single_instance(output_dict[PUSHED_MODEL_KEY])
        token = exec_properties.get(TOKEN_KEY) or os.environ.get(runner.TOKEN_ENV) or ""
        if not token:
            raise ValueError(
                "no Hugging Face token: set HF_TOKEN in the environment of the process that runs "
                "the HFModelPusher executor (recommended), or pass huggingface_access_token")

        repo_id = self._repo_id(exec_properties)
        models = input_dict.get(MODEL_KEY) or []
        if not models:
            raise ValueError("HFModelPusher needs a `model` input (a Model artifact)")
        source = model_source(artifact_utils.get_single_instance(models))

        config = runner.build_config(
            source, repo_id,
            tfx_blessings=[a.uri for a in input_dict.get(MODEL_BLESSING_KEY) or []],
            infra_blessings=[a.uri for a in input_dict.get(INFRA_BLESSING_KEY) or []],
            private=exec_properties.get(PRIVATE_KEY) in (None, 1, True),
            endpoint=exec_properties.get(ENDPOINT_KEY) or None,
            extra_config=_json_param(exec_properties, MODELPUSHER_CONFIG_KEY),
            registry_config=_json_param(exec_properties, REGISTRY_CONFIG_KEY))
        if config["blessing"] == "none":
            log.warning("HFModelPusher pushes %s without validation: no model_blessing or "
                        "infra_blessing input. Consider an Evaluator in the pipeline.", source)
        log.info("pushing %s to %s", source, repo_id)
        timeout = exec_properties.get(TIMEOUT_KEY) or None
        result = runner.run_push(config, token, timeout=float(timeout) if timeout else None)
        self._record(pushed_model, result, repo_id)

    def _repo_id(self, exec_properties: Dict[str, Any]) -> str:
        username = exec_properties.get(USERNAME_KEY) or ""
        if not username:
            raise ValueError("HFModelPusher needs `username` (a Hub user or organisation)")
        repo_name = exec_properties.get(REPO_NAME_KEY) or ""
        if not repo_name:
            info = self._context.pipeline_info if self._context else None
            repo_name = info.id if info is not None and info.id else ""
        if not repo_name:
            raise ValueError("no repo_name given and the pipeline name is unknown to the "
                             "executor; pass repo_name")
        return f"{username}/{repo_name}"

    @staticmethod
    def _record(pushed_model: types.Artifact, result: runner.PushResult, repo_id: str) -> None:
        on_hub = result.status in ("pushed", "unchanged")
        pushed_model.set_int_custom_property("pushed", 1 if on_hub else 0)
        pushed_model.set_string_custom_property("push_status", result.status)
        pushed_model.set_string_custom_property("repo_id", result.repo_id or repo_id)
        blessing = result.blessing or {}
        pushed_model.set_string_custom_property("blessing_rule", str(blessing.get("rule", "")))
        pushed_model.set_string_custom_property("blessing_reason", str(blessing.get("reason", "")))
        if not on_hub:
            log.info("model not pushed (%s): %s", result.status, blessing.get("reason", ""))
            return
        pushed_model.set_string_custom_property("pushed_version", result.pushed_version)
        pushed_model.set_string_custom_property("branch", result.branch)
        pushed_model.set_string_custom_property("commit_id", result.commit_id)
        pushed_model.set_string_custom_property("repo_url", result.repo_url)
        pushed_model.set_string_custom_property("pushed_destination", result.repo_url)
        log.info("model %s as version %s on branch %s of %s (commit %s): %s", result.status,
                 result.pushed_version, result.branch, result.repo_id, result.commit_id,
                 result.repo_url)
