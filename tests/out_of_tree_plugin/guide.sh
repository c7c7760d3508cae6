#!/usr/bin/env bash
# docs/plugins.md, followed as a newcomer would: install this build into a fresh prefix,
# write the files the guide shows (extracted from it, so the guide cannot drift), build the
# `my-folder` plugin against the prefix, run its conformance tests, list it, push the
# guide's model (pushed, then unchanged, then a new version after a change), and build the
# same plugin with pkg-config instead of CMake.
# Usage: guide.sh <modelpusher build dir> <modelpusher source dir>
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mp-guide-XXXXXX")
trap '[ -n "${MP_KEEP_WORK:-}" ] && echo "work folder kept: $work" || rm -rf "$work"' EXIT
unset LD_LIBRARY_PATH MODELPUSHER_PLUGIN_PATH http_proxy https_proxy HTTP_PROXY HTTPS_PROXY \
      ALL_PROXY all_proxy

step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_in() {  # expect_in <file> <fixed text> <what>
  grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$3: '$2' not in $1"; }
}
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$build/CMakeCache.txt")
libdir=${libdir:-lib}
MP_PREFIX=$work/prefix
mp=$MP_PREFIX/bin/modelpusher

step "install modelpusher (section 2)"
cmake --install "$build" --prefix "$MP_PREFIX" > "$work/install.log"

step "write the guide's files"
cd "$work"
python3 "$src/tests/out_of_tree_plugin/extract_guide.py" "$src/docs/plugins.md" "$work"
[ -f my-registry/CMakeLists.txt ] && [ -f push.yaml ] || fail "the guide's files are missing"

step "build and test (section 3.5)"
cmake -S my-registry -B my-registry/build -G Ninja -DCMAKE_PREFIX_PATH="$MP_PREFIX" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF > configure.log || { cat configure.log; fail configure; }
cmake --build my-registry/build -j2 > build.log || { cat build.log; fail build; }
tests=$(ctest --test-dir my-registry/build -N | grep -c 'MyFolder/RegistryConformance\.' || true)
[ "$tests" -eq 16 ] || fail "the guide promises 16 conformance tests, found $tests"
ctest --test-dir my-registry/build --output-on-failure -j2 --timeout 300

step "modelpusher finds it (section 3.6)"
"$mp" plugins --plugin-dir my-registry/build/plugins > plugins.txt
listing="my-folder  registry types=my-folder  version=0.1.0"
expect_in plugins.txt "$listing  $work/my-registry/build/plugins/registry_my_folder.so" \
  "modelpusher plugins"

step "push a model (section 3.7)"
mkdir -p model/variables
echo "weights" > model/variables/variables.data
echo "graph" > model/saved_model.pb
push() {  # push <clock> <expected status>
  MODELPUSHER_NOW=$1 "$mp" push --config push.yaml --plugin-dir my-registry/build/plugins \
    --json > result.json 2> push.err || { cat push.err >&2; fail "push at $1"; }
  python3 - "$2" "$1" <<'PY' || fail "push at $1: expected $2"
import json, sys
[r] = json.load(open("result.json"))["results"]
expected, clock = sys.argv[1], sys.argv[2]
assert r["status"] == expected, r
assert expected == "unchanged" or r["pushed_version"] == clock, r
PY
}
push 1764860400 pushed
cmp model/saved_model.pb registry/1764860400/saved_model.pb
cmp model/variables/variables.data registry/1764860400/variables/variables.data
push 1764860500 unchanged
[ ! -e registry/1764860500 ] || fail "an unchanged push wrote a version"
echo "changed" >> model/saved_model.pb
push 1764860600 pushed
cmp model/saved_model.pb registry/1764860600/saved_model.pb
"$mp" versions --config push.yaml --plugin-dir my-registry/build/plugins > versions.txt
expect_in versions.txt "1764860400" "modelpusher versions"
expect_in versions.txt "1764860600" "modelpusher versions"

step "install it beside the bundled plugins (section 3.8)"
cmake --install my-registry/build --prefix "$MP_PREFIX" > /dev/null
"$mp" plugins > installed.txt
expect_in installed.txt "$MP_PREFIX/$libdir/modelpusher/plugins/registry_my_folder.so" \
  "installed plugin found without --plugin-dir"

step "the same plugin built with pkg-config (section 8)"
export PKG_CONFIG_PATH=$MP_PREFIX/$libdir/pkgconfig
mkdir -p pc-plugins
# shellcheck disable=SC2046
c++ -std=c++20 -shared -fPIC -fvisibility=hidden my-registry/my_registry.cc \
  my-registry/entry.cc $(pkg-config --cflags --libs modelpusher) \
  -o pc-plugins/registry_my_folder.so
[ "$(pkg-config --variable=plugindir modelpusher)" -ef "$MP_PREFIX/$libdir/modelpusher/plugins" ] ||
  fail "pkg-config plugindir"
[ "$(pkg-config --variable=plugin_abi modelpusher)" = "$(sed -n \
  's/^#define MP_PLUGIN_ABI_VERSION \([0-9]*\)u\{0,1\}$/\1/p' \
  "$MP_PREFIX/include/modelpusher/plugin_abi.h")" ] || fail "pkg-config plugin_abi"
"$mp" plugins --plugin-dir pc-plugins > pc.txt
expect_in pc.txt "$listing  $work/pc-plugins/registry_my_folder.so" "the pkg-config build loads"
echo "guide: all checks passed"
