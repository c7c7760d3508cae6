#!/usr/bin/env bash
# What the `git` registry plugin and its tests need: libgit2 (to build), the real git and
# git-lfs (the tests clone, pull and fsck what the plugin pushed; tests/git_server runs
# `git http-backend`), and python3 for that server (standard library only).
# Idempotent: installs only what is missing, so a rerun costs a second.
set -euo pipefail

packages=(git git-lfs libgit2-dev python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup/git] installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# `git http-backend` ships with git; make sure this git has it.
git --exec-path >/dev/null
test -x "$(git --exec-path)/git-http-backend" || { echo "[setup/git] git-http-backend missing" >&2; exit 1; }
echo "[setup/git] $(git --version), $(git lfs version | cut -d' ' -f1)"
