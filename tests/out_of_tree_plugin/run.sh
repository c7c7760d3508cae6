#!/usr/bin/env bash
# The SDK as someone outside this repository uses it:
#  1. `cmake --install` this build into a fresh prefix and check the layout: CLI, library,
#     headers (no Poco/yaml-cpp/libgit2), bundled plugins, CMake package, pkg-config file,
#     and that the installed CLI and plugins resolve their libraries without
#     LD_LIBRARY_PATH;
#  2. build examples/registry-plugin from a clean folder against that prefix only, and run
#     its tests (the registry conformance suite shipped with the SDK among them);
#  3. list it with the installed CLI and --plugin-dir, push the real MiniLM model with it,
#     read the OCI layout back byte for byte, push again (unchanged);
#  4. build a plugin that claims an older plugin ABI and check that the installed CLI
#     refuses it, naming the file and both versions.
# Usage: run.sh <modelpusher build dir> <modelpusher source dir>
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mp-sdk-XXXXXX")
# Kept when MP_KEEP_WORK is set, to look at a failure.
trap '[ -n "${MP_KEEP_WORK:-}" ] && echo "work folder kept: $work" || rm -rf "$work"' EXIT
prefix=$work/prefix
unset LD_LIBRARY_PATH MODELPUSHER_PLUGIN_PATH http_proxy https_proxy HTTP_PROXY HTTPS_PROXY \
      ALL_PROXY all_proxy
export MODELPUSHER_LOG=info

step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_in() {  # expect_in <file> <fixed text> <what>
  grep -qF -- "$2" "$1" || { cat "$1" >&2; fail "$3: '$2' not in $1"; }
}
seconds() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f", b - a }'; }
t0=$(seconds)

libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$build/CMakeCache.txt")
libdir=${libdir:-lib}

step "install the build into $prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log"
for f in bin/modelpusher "$libdir/libmodelpusher.so" "$libdir/libmodelpusher_testing.a" \
         include/modelpusher/plugin_abi.h include/modelpusher/model_registry.h \
         include/modelpusher/testing/registry_conformance.h \
         "$libdir/cmake/modelpusher/modelpusherConfig.cmake" \
         "$libdir/cmake/modelpusher/modelpusherConfigVersion.cmake" \
         "$libdir/cmake/modelpusher/modelpusherTargets.cmake" \
         "$libdir/cmake/modelpusher/modelpusherTestingTargets.cmake" \
         "$libdir/cmake/modelpusher/ModelpusherPlugin.cmake" \
         "$libdir/pkgconfig/modelpusher.pc"; do
  [ -e "$prefix/$f" ] || fail "the install has no $f"
done
plugins=("$prefix/$libdir"/modelpusher/plugins/*.so)
[ -e "${plugins[0]}" ] || fail "no bundled plugin installed in $prefix/$libdir/modelpusher/plugins"

step "installed headers and CMake files name no private dependency"
if grep -rlE '#[[:space:]]*include[[:space:]]*[<"](Poco/|yaml-cpp/|git2)' "$prefix/include"; then
  fail "an installed header includes a Poco, yaml-cpp or libgit2 header"
fi
# IMPORTED_LINK_DEPENDENT_LIBRARIES lists the core's private shared dependencies by name, for
# the linker's -rpath-link only; CMake ignores names there that are not targets. Nothing else
# may name them (the example is also configured with find_package of each disabled).
if grep -vh 'IMPORTED_LINK_DEPENDENT_LIBRARIES' "$prefix/$libdir"/cmake/modelpusher/*.cmake |
   grep -E 'Poco|yaml-cpp|libgit2|OpenSSL'; then
  fail "the CMake package names a private dependency"
fi

step "the installed CLI and plugins find libmodelpusher without LD_LIBRARY_PATH"
for bin in "$prefix/bin/modelpusher" "${plugins[@]}"; do
  ldd "$bin" > "$work/ldd.txt"
  if grep -q 'not found' "$work/ldd.txt"; then cat "$work/ldd.txt" >&2; fail "ldd $bin"; fi
  resolved=$(awk '/libmodelpusher\.so/ {print $3}' "$work/ldd.txt")
  case "$(realpath -m "${resolved:-none}")" in
    "$prefix/$libdir"/*) ;;
    *) cat "$work/ldd.txt" >&2; fail "ldd $bin: libmodelpusher is not the installed one" ;;
  esac
done
"$prefix/bin/modelpusher" plugins > "$work/bundled.txt"
expect_in "$work/bundled.txt" "$prefix/$libdir/modelpusher/plugins/registry_filesystem.so" \
  "installed CLI lists its bundled plugins"

step "pkg-config: a program built without CMake"
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
[ "$(pkg-config --modversion modelpusher)" = "0.1.0" ] || fail "pkg-config --modversion"
cat > "$work/pc_smoke.cc" <<'CC'
#include <iostream>
#include "modelpusher/hash.h"
#include "modelpusher/status.h"
int main() {
  std::cout << modelpusher::StatusCodeName(modelpusher::NotFoundError("x").code()) << " "
            << modelpusher::Sha256Hex("abc").substr(0, 8) << "\n";
}
CC
# shellcheck disable=SC2046
c++ -std=c++20 "$work/pc_smoke.cc" -o "$work/pc_smoke" $(pkg-config --cflags --libs modelpusher) \
  -Wl,-rpath,"$(pkg-config --variable=libdir modelpusher)"
[ "$("$work/pc_smoke")" = "not_found ba7816bf" ] || fail "the pkg-config smoke program"

step "build examples/registry-plugin against the installed SDK only"
t_build=$(seconds)
cmake -S "$src/examples/registry-plugin" -B "$work/example" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_Poco=ON -DCMAKE_DISABLE_FIND_PACKAGE_yaml-cpp=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_OpenSSL=ON -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$work/example-configure.log" ||
  { cat "$work/example-configure.log" >&2; fail "configuring the example"; }
expect_in "$work/example/CMakeCache.txt" \
  "modelpusher_DIR:PATH=$prefix/$libdir/cmake/modelpusher" "the example found the installed package"
cmake --build "$work/example" -j2 > "$work/example-build.log" ||
  { cat "$work/example-build.log" >&2; fail "building the example"; }
echo "example configured and built in $(since "$t_build") s"

step "the example's tests, the registry conformance suite among them"
(cd "$work/example" && ctest -N) > "$work/example-tests.txt"
conformance=$(grep -c 'OciLayout/RegistryConformance\.' "$work/example-tests.txt" || true)
[ "$conformance" -ge 15 ] || fail "only $conformance conformance tests registered"
ctest --test-dir "$work/example" --output-on-failure -j2 --timeout 300

step "the installed CLI lists the plugin from --plugin-dir"
"$prefix/bin/modelpusher" plugins --plugin-dir "$work/example/plugins" > "$work/listed.txt"
listing="oci-layout  registry types=oci-layout  version=0.1.0"
expect_in "$work/listed.txt" "$listing  $work/example/plugins/registry_oci_layout.so" \
  "modelpusher plugins"

step "push the real MiniLM model with the installed CLI and the example plugin"
model=$("$src/scripts/lib/minilm.sh")
[ -f "$model/config.json" ] || fail "no MiniLM model at $model"
mkdir -p "$work/push"
cat > "$work/push/push.yaml" <<'YAML'
source: ${MODEL_DIR}
blessing: none
versioning: {scheme: timestamp, ref: "v{version}"}
registries:
  - type: oci-layout
    path: ./oci-layout     # relative to this file
YAML
(cd "$work/push" && MODEL_DIR=$model MODELPUSHER_NOW=1764860400 \
  "$prefix/bin/modelpusher" push --config push.yaml --plugin-dir "$work/example/plugins" \
  --json > first.json 2> first.err) || { cat "$work/push/first.err" >&2; fail "first push"; }
python3 "$src/tests/out_of_tree_plugin/check_layout.py" "$work/push/first.json" "$model" pushed

(cd "$work/push" && MODEL_DIR=$model MODELPUSHER_NOW=1764864000 \
  "$prefix/bin/modelpusher" push --config push.yaml --plugin-dir "$work/example/plugins" \
  --json > second.json 2> second.err) || { cat "$work/push/second.err" >&2; fail "second push"; }
python3 "$src/tests/out_of_tree_plugin/check_layout.py" "$work/push/second.json" "$model" \
  unchanged

step "installed into the prefix, the plugin is found without --plugin-dir"
cmake --install "$work/example" --prefix "$prefix" > /dev/null
"$prefix/bin/modelpusher" plugins > "$work/installed.txt"
expect_in "$work/installed.txt" \
  "$listing  $prefix/$libdir/modelpusher/plugins/registry_oci_layout.so" \
  "plugin installed beside the bundled ones"

step "a plugin built for an older plugin ABI is refused"
abi=$(sed -n 's/^#define MP_PLUGIN_ABI_VERSION \([0-9]*\)u\{0,1\}$/\1/p' \
  "$prefix/include/modelpusher/plugin_abi.h")
old=$((abi - 1))
cmake -S "$src/tests/out_of_tree_plugin/old_abi_plugin" -B "$work/old_abi" -G Ninja \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCLAIMED_ABI_VERSION="$old" > "$work/old-configure.log" ||
  { cat "$work/old-configure.log" >&2; fail "configuring the old-ABI plugin"; }
cmake --build "$work/old_abi" > "$work/old-build.log" ||
  { cat "$work/old-build.log" >&2; fail "building the old-ABI plugin"; }
"$prefix/bin/modelpusher" plugins --plugin-dir "$work/old_abi/plugins" > "$work/refused.txt" \
  2> "$work/refused.err"
expect_in "$work/refused.txt" "refused:" "modelpusher plugins"
why="built for plugin ABI version $old, but this modelpusher uses version $abi"
expect_in "$work/refused.txt" \
  "$work/old_abi/plugins/registry_old_abi.so: $why; rebuild the plugin against" \
  "the refusal names the file and both versions"
if grep -q '^  old-abi ' "$work/refused.txt"; then fail "the old-ABI plugin was loaded"; fi
# A push that needs it fails, and says why.
cat > "$work/push/old.yaml" <<'YAML'
source: ${MODEL_DIR}
blessing: none
versioning: {scheme: timestamp}
registries:
  - type: old-abi
YAML
set +e
(cd "$work/push" && MODEL_DIR=$model "$prefix/bin/modelpusher" push --config old.yaml \
  --plugin-dir "$work/old_abi/plugins" > old.out 2> old.err)
code=$?
set -e
[ "$code" -ne 0 ] || fail "a push through the refused plugin succeeded"
expect_in "$work/push/old.err" "registry_old_abi.so" "the failed push names the refused file"
expect_in "$work/push/old.err" "ABI version $old" "the failed push names the old ABI"

echo "out-of-tree plugin: all checks passed in $(since "$t0") s"
