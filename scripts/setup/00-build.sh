#!/usr/bin/env bash
# Build dependencies from Debian's packages. Idempotent: installs only what is missing.
set -euo pipefail

packages=(build-essential cmake ninja-build pkg-config git git-lfs time
          libpoco-dev libyaml-cpp-dev libgit2-dev libssl-dev libgtest-dev libgmock-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi
