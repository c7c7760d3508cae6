"""The modelpusher config that HFModelPusher generates, and what it refuses (no binary run)."""

from __future__ import annotations

import pytest


def test_blessing_channels_become_tfx_and_infra_rules_all_required():
    from modelpusher_tfx.runner import build_config
    cfg = build_config("/m", "alice/r", tfx_blessings=["/b"], infra_blessings=["/i"])
    assert cfg["blessing"] == {"all": [{"tfx": "/b"}, {"infra": "/i"}]}
    assert build_config("/m", "alice/r", tfx_blessings=["/b"])["blessing"] == {"tfx": "/b"}
    assert build_config("/m", "alice/r")["blessing"] == "none"


def test_defaults_follow_the_proposal_timestamp_version_as_branch_private_repo():
    from modelpusher_tfx.runner import build_config
    cfg = build_config("gs://bucket/model/Format-Serving", "alice/r", endpoint="http://127.0.0.1:9")
    assert cfg["source"] == "gs://bucket/model/Format-Serving"
    assert cfg["versioning"] == {"scheme": "timestamp", "ref": "{version}"}
    assert cfg["registries"] == [{"type": "huggingface", "repo": "alice/r", "private": True,
                                  "endpoint": "http://127.0.0.1:9",
                                  "token": {"env": "HF_TOKEN"}}]


def test_user_config_is_merged_and_a_user_blessing_rule_is_required_as_well():
    from modelpusher_tfx.runner import build_config
    metrics = {"metrics": {"file": "/e/metrics.json", "require": {"accuracy": ">= 0.9"}}}
    cfg = build_config("/m", "alice/r", tfx_blessings=["/b"],
                       extra_config={"blessing": metrics, "versioning": {"ref": "v{version}"}},
                       registry_config={"private": False})
    assert cfg["blessing"] == {"all": [{"tfx": "/b"}, metrics]}
    assert cfg["versioning"] == {"scheme": "timestamp", "ref": "v{version}"}
    assert cfg["registries"][0]["private"] is False


@pytest.mark.parametrize("extra,registry", [({"source": "/x"}, None),
                                            ({"registries": []}, None),
                                            (None, {"token": "hf_literal"}),
                                            (None, {"repo": "bob/x"})])
def test_user_config_cannot_replace_what_the_component_owns(extra, registry):
    from modelpusher_tfx.runner import build_config
    with pytest.raises(ValueError):
        build_config("/m", "alice/r", extra_config=extra, registry_config=registry)


def test_component_keeps_a_token_free_signature_and_refuses_a_missing_model():
    from tfx.types import channel, standard_artifacts
    from modelpusher_tfx import HFModelPusher
    pusher = HFModelPusher(username="alice", huggingface_access_token="",
                           model=channel.Channel(type=standard_artifacts.Model))
    assert pusher.exec_properties["huggingface_access_token"] is None
    assert pusher.exec_properties["private"] == 1
    assert set(pusher.outputs) == {"pushed_model"}
    with pytest.raises(ValueError, match="model"):
        HFModelPusher(username="alice", huggingface_access_token=None)


def test_redact_removes_every_occurrence_of_the_token():
    from modelpusher_tfx.runner import redact
    assert redact("a hf_x b hf_x", "hf_x") == "a [REDACTED] b [REDACTED]"
    assert redact("text", "") == "text"


def test_model_source_follows_tfx_serving_layout_and_falls_back_to_the_folder(tmp_path):
    from tfx.types import standard_artifacts
    from modelpusher_tfx.executor import model_source
    model = standard_artifacts.Model()
    model.uri = str(tmp_path / "plain")
    (tmp_path / "plain").mkdir()
    assert model_source(model) == str(tmp_path / "plain")
    model.uri = str(tmp_path / "trainer")
    (tmp_path / "trainer" / "Format-Serving").mkdir(parents=True)
    assert model_source(model) == str(tmp_path / "trainer" / "Format-Serving")
    # gs:// and s3:// cannot be probed without TensorFlow's file systems: Trainer's layout.
    model.uri = "gs://bucket/Trainer/model/5"
    assert model_source(model) == "gs://bucket/Trainer/model/5/Format-Serving"
    model.uri = "s3://bucket/Trainer/model/5"
    assert model_source(model) == "s3://bucket/Trainer/model/5/Format-Serving"
