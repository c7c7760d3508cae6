#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need. Idempotent and quick when
# nothing is missing. Each backend adds its own step as scripts/setup/<name>.sh.
set -euo pipefail
cd "$(dirname "$0")"
for step in setup/*.sh; do
  echo "== ${step}" >&2
  bash "$step"
done
