"""End to end: a TFX pipeline run by LocalDagRunner pushes all-MiniLM-L6-v2 with HFModelPusher.

Importer(Model) + Importer(ModelBlessing) -> HFModelPusher -> the Hub test server. The token
comes only from the executor's environment (HF_TOKEN). Afterwards the PushedModel artifact is
read from ML Metadata and the branch is read back byte for byte with huggingface_hub.
"""

from __future__ import annotations

import logging
import os

from conftest import link_or_copy_tree, model_files
from hubcheck import HEX40, api, assert_branch_holds_model, branches

NOW = 1767312000  # pinned clock (MODELPUSHER_NOW): 2026-01-02T00:00:00Z


def _pipeline(root, name, model_uri, blessing_uri):
    from tfx.dsl.components.common.importer import Importer
    from tfx.orchestration import metadata, pipeline
    from tfx.types import standard_artifacts
    from modelpusher_tfx import HFModelPusher

    model = Importer(source_uri=model_uri, artifact_type=standard_artifacts.Model
                     ).with_id("import_model")
    blessing = Importer(source_uri=blessing_uri, artifact_type=standard_artifacts.ModelBlessing
                        ).with_id("import_blessing")
    pusher = HFModelPusher(username="alice",
                           huggingface_access_token=None,  # HF_TOKEN of the executor's env
                           model=model.outputs["result"],
                           model_blessing=blessing.outputs["result"])
    return pipeline.Pipeline(
        pipeline_name=name,
        pipeline_root=os.path.join(root, "pipeline_root"),
        metadata_connection_config=metadata.sqlite_metadata_connection_config(
            os.path.join(root, "metadata.sqlite")),
        components=[model, blessing, pusher],
        enable_cache=False)


def _pushed_model_properties(root):
    from ml_metadata.metadata_store import metadata_store
    from tfx.orchestration import metadata
    store = metadata_store.MetadataStore(metadata.sqlite_metadata_connection_config(
        os.path.join(root, "metadata.sqlite")))
    artifacts = store.get_artifacts_by_type("PushedModel")
    assert len(artifacts) == 1, artifacts
    a = artifacts[0]
    props = {k: (v.int_value if v.HasField("int_value") else v.string_value)
             for k, v in a.custom_properties.items()}
    return a, props


def _trainer_layout(tmp_path, minilm_dir):
    uri = tmp_path / "Trainer" / "model" / "3"
    link_or_copy_tree(minilm_dir, str(uri / "Format-Serving"))
    return str(uri)


def _blessing_dir(tmp_path, marker):
    d = tmp_path / "Evaluator" / "blessing" / marker
    d.mkdir(parents=True)
    (d / marker).write_bytes(b"")
    return str(d)


def _assert_token_nowhere(root, token, log_text):
    assert token not in log_text
    for rel, full in model_files(root).items():
        with open(full, "rb") as f:
            assert token.encode() not in f.read(), f"token written into {rel}"


def test_pipeline_pushes_a_blessed_model_and_the_hub_serves_it_byte_for_byte(
        tmp_path, monkeypatch, minilm_dir, hf_token, caplog):
    from tfx.orchestration.local.local_dag_runner import LocalDagRunner
    monkeypatch.setenv("MODELPUSHER_NOW", str(NOW))
    caplog.set_level(logging.INFO)
    root = str(tmp_path / "run")
    model_uri = _trainer_layout(tmp_path, minilm_dir)
    LocalDagRunner().run(_pipeline(root, "minilm-pipeline", model_uri,
                                   _blessing_dir(tmp_path, "BLESSED")))

    artifact, p = _pushed_model_properties(root)
    assert p["pushed"] == 1
    assert p["push_status"] == "pushed"
    assert p["pushed_version"] == str(NOW)
    assert p["branch"] == str(NOW)
    assert p["repo_id"] == "alice/minilm-pipeline"  # repo_name defaults to the pipeline name
    assert HEX40.match(p["commit_id"])
    assert p["repo_url"] == f"{os.environ['HF_ENDPOINT']}/alice/minilm-pipeline/tree/{NOW}"
    assert_branch_holds_model("alice/minilm-pipeline", str(NOW), p["commit_id"],
                              os.path.join(model_uri, "Format-Serving"), hf_token)
    assert api(hf_token).repo_info("alice/minilm-pipeline").private is True
    _assert_token_nowhere(str(tmp_path), hf_token, caplog.text)


def test_pipeline_with_a_not_blessed_model_succeeds_without_pushing(
        tmp_path, monkeypatch, minilm_dir, hf_token, caplog):
    from tfx.orchestration.local.local_dag_runner import LocalDagRunner
    caplog.set_level(logging.INFO)
    root = str(tmp_path / "run")
    LocalDagRunner().run(_pipeline(root, "minilm-rejected", _trainer_layout(tmp_path, minilm_dir),
                                   _blessing_dir(tmp_path, "NOT_BLESSED")))
    _, p = _pushed_model_properties(root)
    assert (p["pushed"], p["push_status"]) == (0, "not_blessed")
    assert p["repo_id"] == "alice/minilm-rejected"
    assert not set(branches("alice/minilm-rejected", hf_token)) - {"main"}
    _assert_token_nowhere(str(tmp_path), hf_token, caplog.text)
