"""The CLI contract: results, statuses, exit codes, batch runs, on real folders."""
import json
import os
from pathlib import Path

import pytest

from conftest import tree_hashes, write_tree

SAVED_MODEL = {
    "saved_model.pb": b"\x08\x01" * 1000,
    "keras_metadata.pb": "keras",
    "fingerprint.pb": b"\x00\x01\x02",
    "variables/variables.index": b"\x00index",
    "variables/variables.data-00000-of-00001": os.urandom(300_000),
    "assets/vocab.txt": "a\nb\nc\n",
    "logs/train/events.out.tfevents.1.v2": b"train",
    "logs/validation/events.out.tfevents.2.v2": b"validation",
}


def make_model(tmp_path, files=None):
    model = tmp_path / "model"
    write_tree(model, files or SAVED_MODEL)
    (model / "assets" / "empty_dir").mkdir(parents=True, exist_ok=True)
    return model


def blessing(tmp_path, *markers, name="blessing"):
    folder = tmp_path / name
    folder.mkdir(parents=True, exist_ok=True)
    for m in markers:
        (folder / m).write_text("")
    return folder


def config(tmp_path, text, name="push.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def simple_config(tmp_path, bless="none", extra=""):
    return config(tmp_path, f"""
source: ./model
blessing: {bless}
versioning: {{scheme: timestamp, ref: "v{{version}}"}}
registries:
  - type: filesystem
    path: ./registry
{extra}""")


def test_pushes_every_file_at_its_relative_path_in_one_version(mp, tmp_path):
    model = make_model(tmp_path)
    run = mp("push", "--config", simple_config(tmp_path), "--json")
    assert run.code == 0, run.err
    [r] = run.json
    assert r["status"] == "pushed" and r["pushed"] == 1
    assert r["pushed_version"] == "1764860400"
    assert r["branch"] == "1764860400"
    assert r["blessing"]["blessed"] is True and r["blessing"]["rule"] == "none"
    version_dir = tmp_path / "registry" / "1764860400"
    assert tree_hashes(version_dir) == tree_hashes(model)
    assert not (version_dir / "assets" / "empty_dir").exists()
    assert r["files"] == len(SAVED_MODEL)


def test_second_push_of_the_same_content_is_unchanged(mp, tmp_path):
    make_model(tmp_path)
    cfg = simple_config(tmp_path)
    first = mp("push", "--config", cfg, "--json")
    second = mp("push", "--config", cfg, "--json", env={"MODELPUSHER_NOW": "1764860500"})
    assert first.code == 0 and second.code == 0, second.err
    assert second.json[0]["status"] == "unchanged"
    assert second.json[0]["pushed"] == 0
    assert second.json[0]["pushed_version"] == "1764860400"
    versions = sorted(p.name for p in (tmp_path / "registry").iterdir() if not p.name.startswith("."))
    assert versions == ["1764860400"]


def test_a_changed_model_makes_a_new_version(mp, tmp_path):
    model = make_model(tmp_path)
    cfg = simple_config(tmp_path)
    assert mp("push", "--config", cfg).code == 0
    (model / "assets" / "vocab.txt").write_text("changed\n")
    run = mp("push", "--config", cfg, "--json", env={"MODELPUSHER_NOW": "1764860500"})
    assert run.code == 0, run.err
    assert run.json[0]["status"] == "pushed"
    assert run.json[0]["pushed_version"] == "1764860500"


def test_not_blessed_pushes_nothing_and_succeeds(mp, tmp_path):
    make_model(tmp_path)
    folder = blessing(tmp_path, "NOT_BLESSED")
    run = mp("push", "--config", simple_config(tmp_path, f"{{tfx: {folder}}}"), "--json")
    assert run.code == 0, run.err
    [r] = run.json
    assert r["status"] == "not_blessed" and r["pushed"] == 0
    assert "NOT_BLESSED" in r["blessing"]["reason"]
    assert not (tmp_path / "registry").exists()


@pytest.mark.parametrize("markers,pushed,message", [
    (["BLESSED"], True, None),
    (["NOT_BLESSED"], False, None),
    ([], None, "is empty"),
    (["BLESSED", "NOT_BLESSED"], None, "holds both"),
    (["INFRA_BLESSED"], None, "marker for blessing.infra"),
    (["blessed"], None, "no recognised marker"),
])
def test_blessing_folders(mp, tmp_path, markers, pushed, message):
    make_model(tmp_path)
    folder = blessing(tmp_path, *markers)
    run = mp("push", "--config", simple_config(tmp_path, f"{{tfx: {folder}}}"), "--json")
    [r] = run.json
    if message is None:
        assert run.code == 0, run.err
        assert r["pushed"] == (1 if pushed else 0)
        assert r["status"] == ("pushed" if pushed else "not_blessed")
    else:
        assert run.code == 1
        assert r["status"] == "failed" and message in r["error"]
        assert not (tmp_path / "registry").exists(), "decided before any upload"


def test_missing_blessing_path_fails_before_any_upload(mp, tmp_path):
    make_model(tmp_path)
    run = mp("push", "--config", simple_config(tmp_path, "{tfx: ./nowhere}"), "--json")
    assert run.code == 1
    assert "does not exist" in run.json[0]["error"]
    assert not (tmp_path / "registry").exists()


def test_blessing_none_ignores_an_empty_blessing_folder(mp, tmp_path):
    make_model(tmp_path)
    blessing(tmp_path)
    run = mp("push", "--config", simple_config(tmp_path, "none"), "--json")
    assert run.code == 0 and run.json[0]["status"] == "pushed"


def test_dry_run_writes_nothing(mp, tmp_path):
    make_model(tmp_path)
    run = mp("push", "--config", simple_config(tmp_path), "--json", "--dry-run")
    assert run.code == 0, run.err
    assert run.json[0]["status"] == "dry_run" and run.json[0]["pushed"] == 0
    assert not any((tmp_path / "registry").glob("1*"))


def test_duplicate_key_is_a_config_error_naming_key_and_lines(mp, tmp_path):
    make_model(tmp_path)
    cfg = config(tmp_path, """source: ./model
registries:
  - type: filesystem
    path: ./a
    path: ./b
""")
    run = mp("push", "--config", cfg, "--json")
    assert run.code == 2
    # --json still prints one document: no results, and the error.
    doc = json.loads(run.out)
    assert doc["results"] == [] and doc["error_code"] == "invalid_argument"
    assert "duplicate key 'path'" in doc["error"]
    assert "duplicate key 'path'" in run.err and "line 4" in run.err and "line 5" in run.err
    assert f"{cfg}:5:5" in run.err


def test_unknown_registry_type_suggests_the_closest(mp, tmp_path):
    cfg = config(tmp_path, "source: ./model\nregistries: [{type: filesytem, path: ./r}]\n")
    run = mp("validate", "--config", cfg)
    assert run.code == 2
    assert "did you mean 'filesystem'" in run.err


def test_unknown_plugin_key_is_reported_with_location(mp, tmp_path):
    cfg = config(tmp_path, "source: ./model\nregistries:\n  - type: filesystem\n    pth: ./r\n")
    run = mp("validate", "--config", cfg)
    assert run.code == 2
    assert f"{cfg}:" in run.err and "pth" in run.err


def test_validate_accepts_a_good_config(mp, tmp_path):
    run = mp("validate", "--config", simple_config(tmp_path))
    assert run.code == 0, run.err
    assert "ok" in run.out


def test_batch_runs_every_push_and_one_failure_does_not_stop_the_others(mp, tmp_path):
    make_model(tmp_path)
    cfg = config(tmp_path, """
registries: [{type: filesystem, path: ./registry}]
pushes:
  - {name: good, source: ./model}
  - {name: broken, source: ./missing-model}
  - {name: unblessed, source: ./model, blessing: {tfx: ./no-bless}}
""")
    blessing(tmp_path, "NOT_BLESSED", name="no-bless")
    run = mp("push", "--config", cfg, "--json", "--jobs", "2")
    assert run.code == 1
    by_name = {r["push"]: r for r in run.json}
    assert by_name["good"]["status"] == "pushed"
    assert by_name["broken"]["status"] == "failed"
    assert "missing-model" in by_name["broken"]["error"]
    assert by_name["unblessed"]["status"] == "not_blessed"
    assert "1 pushed, 0 unchanged, 1 not blessed, 0 dry run, 1 failed" in run.err


def test_push_and_push_index_select_entries(mp, tmp_path):
    make_model(tmp_path)
    cfg = config(tmp_path, """
registries: [{type: filesystem, path: ./registry}]
pushes:
  - {name: first, source: ./model, registries: [{type: filesystem, path: ./r1}]}
  - {name: second, source: ./model, registries: [{type: filesystem, path: ./r2}]}
""")
    by_name = mp("push", "--config", cfg, "--json", "--push", "second")
    assert [r["push"] for r in by_name.json] == ["second"]
    by_index = mp("push", "--config", cfg, "--json", "--push-index", "0")
    assert [r["push"] for r in by_index.json] == ["first"]
    assert (tmp_path / "r1").exists() and (tmp_path / "r2").exists()
    # Re-running a finished index is safe: it reports unchanged.
    again = mp("push", "--config", cfg, "--json", "--push-index", "0",
               env={"MODELPUSHER_NOW": "1764869999"})
    assert again.code == 0 and again.json[0]["status"] == "unchanged"
    bad = mp("push", "--config", cfg, "--push-index", "2")
    assert bad.code == 2 and "out of range" in bad.err
    typo = mp("push", "--config", cfg, "--push", "secnod")
    assert typo.code == 2 and "did you mean 'second'" in typo.err


def test_metrics_blessing_reports_values(mp, tmp_path):
    make_model(tmp_path)
    write_tree(tmp_path, {"eval/metrics.json": json.dumps({"accuracy": 0.87})})
    rule = '{metrics: {file: eval/metrics.json, require: {accuracy: ">= 0.90"}}}'
    run = mp("push", "--config", simple_config(tmp_path, rule), "--json")
    assert run.code == 0, run.err
    [r] = run.json
    assert r["status"] == "not_blessed"
    assert r["blessing"]["metrics"] == {"accuracy": 0.87}
    assert "accuracy 0.87 fails >= 0.90" in r["blessing"]["reason"]


def test_semver_versions_follow_the_registry(mp, tmp_path):
    model = make_model(tmp_path)
    cfg = config(tmp_path, """source: ./model
versioning: {scheme: semver, bump: minor}
registries: [{type: filesystem, path: ./registry}]
""")
    first = mp("push", "--config", cfg, "--json")
    assert first.json[0]["pushed_version"] == "0.1.0", first.err
    (model / "assets" / "vocab.txt").write_text("v2\n")
    second = mp("push", "--config", cfg, "--json")
    assert second.json[0]["pushed_version"] == "0.2.0", second.err


def test_invalid_ref_name_is_refused_before_anything_is_written(mp, tmp_path):
    make_model(tmp_path)
    cfg = config(tmp_path, """source: ./model
versioning: {scheme: template, template: "a..{timestamp}"}
registries: [{type: filesystem, path: ./registry}]
""")
    run = mp("push", "--config", cfg, "--json")
    assert run.code == 2, "caught when the config is read, before anything runs"
    assert "not valid in git" in run.err
    assert not (tmp_path / "registry").exists()
    assert mp("validate", "--config", cfg).code == 2


def test_plugins_lists_the_bundled_plugins(mp):
    run = mp("plugins")
    assert run.code == 0
    assert "source-file" in run.out or "schemes=file" in run.out
    assert "types=filesystem" in run.out


def test_version_and_help(mp):
    assert mp("--version").out.startswith("modelpusher ")
    for command in ("push", "validate", "versions", "plugins", "schema"):
        run = mp(command, "--help")
        assert run.code == 0 and "--plugin-dir" in run.out, command
    unknown = mp("shove")
    assert unknown.code == 2 and "unknown command" in unknown.err


def test_missing_config_file_is_a_usage_error(mp, tmp_path):
    run = mp("push", "--config", str(tmp_path / "nope.yaml"))
    assert run.code == 2 and "cannot read config file" in run.err


def test_model_folder_whose_files_start_with_its_name(mp, tmp_path):
    files = {"model.pkl": "a", "MLmodel": "b", "conda.yaml": "c", "modelcard.md": "d",
             "model/model.pkl": "e"}
    write_tree(tmp_path / "model", files)
    run = mp("push", "--config", simple_config(tmp_path), "--json")
    assert run.code == 0, run.err
    published = tree_hashes(tmp_path / "registry" / "1764860400")
    assert sorted(published) == sorted(files)


def test_versions_lists_what_the_registry_holds(mp, tmp_path):
    make_model(tmp_path)
    cfg = simple_config(tmp_path)
    assert mp("push", "--config", cfg).code == 0
    run = mp("versions", "--config", cfg)
    assert run.code == 0, run.err
    assert "1764860400" in run.out
