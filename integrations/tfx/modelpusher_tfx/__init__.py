"""TFX integration of modelpusher: the HFModelPusher component.

    from modelpusher_tfx import HFModelPusher
"""

from modelpusher_tfx.component import HFModelPusher, HFModelPusherSpec
from modelpusher_tfx.executor import Executor
from modelpusher_tfx.runner import ModelPusherError

__all__ = ["HFModelPusher", "HFModelPusherSpec", "Executor", "ModelPusherError"]
__version__ = "0.1.0"
