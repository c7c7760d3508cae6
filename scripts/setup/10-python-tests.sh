#!/usr/bin/env bash
# Python packages the test suites use for themselves (not the peers): pytest, and
# jsonschema + PyYAML to check the shipped JSON Schema with an independent validator.
set -euo pipefail
python3 - <<'PY' 2>/dev/null && exit 0
import jsonschema, pytest, yaml  # noqa: F401
PY
python3 -m pip install -q --disable-pip-version-check "pytest>=8" "jsonschema>=4.18" "PyYAML>=6"
