"""The shipped JSON Schema: current with the plugins, valid, and agreeing with the CLI."""
import json
import os
import subprocess
from pathlib import Path

import re

import jsonschema
import pytest
import yaml

from conftest import ROOT, binary

SCHEMA = ROOT / "config" / "schema" / "modelpusher.schema.json"
EXAMPLES = sorted((ROOT / "config" / "examples").glob("*.yaml"))
EXAMPLE_ENV = {
    "DEMO_MODEL_DIR": "/tmp/model", "DEMO_BLESSING_DIR": "/tmp/blessing",
    "DEMO_REGISTRY_DIR": "/tmp/registry", "DEMO_HUB_URL": "http://127.0.0.1:9",
    "MODEL": "penguin", "GIT_REMOTE_URL": "file:///tmp/remote.git", "MODEL_DIR": "/tmp/model",
}


def expand(text, env):
    """${NAME} and ${NAME:-default}, as modelpusher expands them before validating."""
    def one(match):
        name, _, fallback = match.group(1).partition(":-")
        return env.get(name) or fallback
    return re.sub(r"\$\{([^}]*)\}", one, text)


def test_shipped_schema_is_what_the_bundled_plugins_declare():
    out = subprocess.run([binary(), "schema"], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == json.loads(SCHEMA.read_text()), (
        "config/schema/modelpusher.schema.json is stale: regenerate it with "
        "`build/bin/modelpusher schema > config/schema/modelpusher.schema.json`")


def test_shipped_schema_is_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA.read_text()))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_pass_both_validators(example, tmp_path):
    env = dict(os.environ, **EXAMPLE_ENV)
    # Limitation: an editor sees ${VARIABLES} unexpanded, so a pattern-checked key written
    # as a variable (repo: acme/${MODEL}) is flagged there; modelpusher validates the
    # expanded text, and so does this test.
    document = yaml.safe_load(expand(example.read_text(), env))
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    run = subprocess.run([binary(), "validate", "--config", str(example)], capture_output=True,
                         text=True, env=env)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("snippet", [
    "source: ./m\nregistries: [{type: filesystem, path: /x, bogus: 1}]\n",
    "source: ./m\nregistries: [{type: huggingface, repo: not-a-repo-id}]\n",
    "source: ./m\nblessing: {tfx: ./b, infra: ./c}\nregistries: [{type: filesystem, path: /x}]\n",
    "source: ./m\nversioning: {scheme: weekly}\nregistries: [{type: filesystem, path: /x}]\n",
])
def test_both_validators_refuse_the_same_mistakes(snippet, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(snippet)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(yaml.safe_load(snippet), json.loads(SCHEMA.read_text()))
    run = subprocess.run([binary(), "validate", "--config", str(path)], capture_output=True,
                         text=True)
    assert run.returncode == 2
    assert f"{path}:" in run.stderr
