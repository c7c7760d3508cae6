"""HFModelPusher: a TFX component that pushes a blessed model to the Hugging Face Hub.

It sits where TFX's own `Pusher` sits (same input names, same `pushed_model` output) and runs
the modelpusher CLI to do the work: one new branch per version, only when the model is blessed.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

from tfx import types
from tfx.dsl.components.base import base_component
from tfx.dsl.components.base import executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ExecutionParameter

from modelpusher_tfx import executor, runner


class HFModelPusherSpec(types.ComponentSpec):
    """Inputs, parameters and output of HFModelPusher."""

    PARAMETERS = {
        executor.USERNAME_KEY: ExecutionParameter(type=str),
        executor.TOKEN_KEY: ExecutionParameter(type=str, optional=True),
        executor.REPO_NAME_KEY: ExecutionParameter(type=str, optional=True),
        executor.PRIVATE_KEY: ExecutionParameter(type=int, optional=True),
        executor.ENDPOINT_KEY: ExecutionParameter(type=str, optional=True),
        executor.MODELPUSHER_CONFIG_KEY: ExecutionParameter(type=str, optional=True),
        executor.REGISTRY_CONFIG_KEY: ExecutionParameter(type=str, optional=True),
        executor.TIMEOUT_KEY: ExecutionParameter(type=int, optional=True),
    }
    INPUTS = {
        executor.MODEL_KEY: ChannelParameter(type=standard_artifacts.Model, optional=True),
        executor.MODEL_BLESSING_KEY: ChannelParameter(type=standard_artifacts.ModelBlessing,
                                                      optional=True),
        executor.INFRA_BLESSING_KEY: ChannelParameter(type=standard_artifacts.InfraBlessing,
                                                      optional=True),
    }
    OUTPUTS = {
        executor.PUSHED_MODEL_KEY: ChannelParameter(type=standard_artifacts.PushedModel),
    }


class HFModelPusher(base_component.BaseComponent):
    """Pushes a blessed model to the Hugging Face Hub, one branch per version.

    Example:
    ```python
    pusher = HFModelPusher(
        username="my-org",
        huggingface_access_token=None,          # read HF_TOKEN from the executor's environment
        model=trainer.outputs["model"],
        model_blessing=evaluator.outputs["blessing"])
    ```
    The output `pushed_model` is a PushedModel artifact with the custom properties `pushed`,
    `pushed_version`, `repo_id`, `branch`, `commit_id`, `repo_url` (see executor.py).
    """

    SPEC_CLASS = HFModelPusherSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self,
                 username: str,
                 huggingface_access_token: Optional[str] = None,
                 repo_name: Optional[str] = None,
                 model: Optional[types.BaseChannel] = None,
                 model_blessing: Optional[types.BaseChannel] = None,
                 infra_blessing: Optional[types.BaseChannel] = None,
                 private: bool = True,
                 endpoint: Optional[str] = None,
                 modelpusher_config: Optional[Dict[str, Any]] = None,
                 registry_config: Optional[Dict[str, Any]] = None,
                 timeout_seconds: Optional[int] = None):
        """Constructs an HFModelPusher.

        Args:
          username: Hub user or organisation that owns the repository.
          huggingface_access_token: a Hub token with write access. None or "" (recommended) means
            the executor reads HF_TOKEN from its own environment. A token passed here becomes an
            execution property: TFX stores it in ML Metadata and its launcher logs it, so anyone
            who can read the metadata store or the logs can read the token. The component itself
            never writes the token into the config file, the command line, its logs or the
            output artifact; it reaches modelpusher only through the child's environment.
          repo_name: Hub repository name; default: the pipeline's name.
          model: a Model channel (e.g. Trainer's `model`). Its serving folder
            (`<uri>/Format-Serving` when Trainer wrote it, else the folder itself) is pushed;
            local, gs:// and s3:// URIs work (modelpusher's sources read them).
          model_blessing: a ModelBlessing channel (e.g. Evaluator's `blessing`). Not blessed
            means not pushed, and the run succeeds with pushed = 0.
          infra_blessing: an InfraBlessing channel (InfraValidator's `blessing`), required as
            well when given.
          private: create the Hub repository as private (default True) when it does not exist.
          endpoint: Hub endpoint; default HF_ENDPOINT in the executor's environment, else the
            public Hub.
          modelpusher_config: further modelpusher config merged over the generated one (e.g.
            `{"versioning": {...}}`, or `{"blessing": {"metrics": ...}}`, which is required in
            addition to the blessing channels). `source` and `registries` are the component's.
          registry_config: further keys for the huggingface registry entry (not type, repo or
            token).
          timeout_seconds: stop modelpusher after this long (default: no limit).
        """
        if model is None:
            # Limitation: TFX's Pusher can also push the warm-up model inside an InfraBlessing;
            # HFModelPusher needs the Model itself, so a pipeline without `model` is refused.
            raise ValueError("HFModelPusher needs `model` (a Model channel, e.g. "
                             "trainer.outputs['model'])")
        if not username:
            raise ValueError("HFModelPusher needs `username` (a Hub user or organisation)")
        runner.check_user_config(modelpusher_config, registry_config)
        spec = HFModelPusherSpec(
            username=username,
            huggingface_access_token=huggingface_access_token or None,
            repo_name=repo_name or None,
            model=model,
            model_blessing=model_blessing,
            infra_blessing=infra_blessing,
            private=1 if private else 0,
            endpoint=endpoint or None,
            modelpusher_config=json.dumps(modelpusher_config) if modelpusher_config else None,
            registry_config=json.dumps(registry_config) if registry_config else None,
            timeout_seconds=timeout_seconds,
            pushed_model=types.Channel(type=standard_artifacts.PushedModel))
        super().__init__(spec=spec)
