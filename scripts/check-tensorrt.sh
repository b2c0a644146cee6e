#!/usr/bin/env bash
# `npm run check:tensorrt`: compiles every source of the TensorRT addon (sdk/native/tensorrt/src)
# against NVIDIA's real TensorRT headers, on any machine: no GPU, CUDA or TensorRT install needed.
#
#   1. compile: g++ -std=c++17 -fsyntax-only with binding.gyp's defines and C++ flags, plus
#      -Wextra -Werror and deprecation warnings switched back on, for the addon's own code.
#      TensorRT, Node and node-addon-api headers are -isystem (their warnings are not ours);
#      CUDA's runtime header is the project's stand-in, test/tensorrt-check/cuda-stand-in/.
#   2. version guards: preprocesses each source as TensorRT 8.5.2 and 8.6.1 would (a stub that
#      only sets the version macros: the 8.x headers are NVIDIA-proprietary and not here) and
#      fails when a name those versions lack survives the #if guards.
#
# Usage: scripts/check-tensorrt.sh [source.cc ...]   (default: every sdk/native/tensorrt/src/*.cc)
# Paths (first found wins):
#   TENSORRT_HEADERS  TensorRT headers: a folder with include/NvInfer.h, or with NvInfer.h itself
#                     [../shared/vendor/tensorrt-10.3.0 beside the checkout]
#   NODE_HEADERS      Node's C headers (node_api.h) [$npm_config_nodedir/include/node, then
#                     <node prefix>/include/node, then node-gyp's download cache]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
addon="$repo/sdk/native/tensorrt"
stand_in="$repo/test/tensorrt-check/cuda-stand-in"
fail() { echo "check:tensorrt: $*" >&2; exit 1; }

trt_root="${TENSORRT_HEADERS:-$repo/../shared/vendor/tensorrt-10.3.0}"
trt_root="$(cd "$trt_root" 2>/dev/null && pwd || echo "$trt_root")"
if [ -f "$trt_root/include/NvInfer.h" ]; then trt_include="$trt_root/include"
elif [ -f "$trt_root/NvInfer.h" ]; then trt_include="$trt_root"
else fail "no TensorRT headers: looked for NvInfer.h in $trt_root/include and $trt_root (set TENSORRT_HEADERS)"; fi
[ -f "$trt_include/NvOnnxParser.h" ] || fail "no NvOnnxParser.h beside $trt_include/NvInfer.h"
trt_version="$(sed -n 's/^#define NV_TENSORRT_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' "$trt_include/NvInferVersion.h" | paste -sd.)"

# Node's headers: node_api.h and the js_native_api*.h it includes. Debian/NodeSource packages
# and the official tarballs put them under <prefix>/include/node; node-gyp caches a download
# under ~/.cache/node-gyp/<version> (older node-gyp: ~/.node-gyp/<version>).
node_version="$(node -p 'process.versions.node')"
node_prefix="$(dirname "$(dirname "$(node -p 'process.execPath')")")"
node_headers=""
for candidate in \
  "${NODE_HEADERS:-}" \
  "${npm_config_nodedir:+$npm_config_nodedir/include/node}" \
  "$node_prefix/include/node" \
  "${XDG_CACHE_HOME:-$HOME/.cache}/node-gyp/$node_version/include/node" \
  "$HOME/.node-gyp/$node_version/include/node"; do
  if [ -n "$candidate" ] && [ -f "$candidate/node_api.h" ]; then node_headers="$candidate"; break; fi
done
[ -n "$node_headers" ] || fail "no Node headers (node_api.h) under $node_prefix/include/node or node-gyp's cache; set NODE_HEADERS=/path/to/include/node"

napi_dir="$(node -e 'const p = require("node:path"); console.log(p.dirname(require.resolve("node-addon-api/package.json", { paths: [process.argv[1]] })))' "$repo" 2>/dev/null)" ||
  fail "node-addon-api not installed: run npm install in $repo (it is a devDependency)"

# binding.gyp is JSON with #-comment lines. Its defines go in as -D; its C++ flags as they are,
# minus optimisation (nothing is generated) and -Wno-deprecated-declarations: a deprecated
# TensorRT call builds today and is removed in a later major, so here it is an error.
mapfile -t gyp_flags < <(node -e '
  const gyp = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8").replace(/^\s*#.*$/gm, ""));
  const target = gyp.targets[0];
  for (const d of target.defines ?? []) console.log(`-D${d}`);
  for (const f of target.cflags_cc ?? []) if (!/^-O/.test(f) && f !== "-Wno-deprecated-declarations") console.log(f);
' "$addon/binding.gyp")

sources=("$@")
if [ "${#sources[@]}" -eq 0 ]; then sources=("$addon"/src/*.cc); fi

flags=(-std=c++17 -fsyntax-only "${gyp_flags[@]}" -Wextra -Werror
  -iquote "$addon/src" -I "$stand_in"
  -isystem "$trt_include" -isystem "$napi_dir" -isystem "$node_headers")
failed=0
for src in "${sources[@]}"; do
  if g++ "${flags[@]}" "$src"; then echo "check:tensorrt: ok   $src"; else echo "check:tensorrt: FAIL $src" >&2; failed=1; fi
done
[ "$failed" -eq 0 ] || fail "compile errors against TensorRT $trt_version headers ($trt_include)"

# Names each older TensorRT lacks, from the release notes: DataType::kFP8 is new in 8.6 (8.5's
# enum ends at kUINT8 = 5), kBF16/kINT64/kINT4 in 10.0. A use must sit behind
# ARCEDGE_TRT_AT_LEAST (common.h) so the preprocessor drops it for older headers.
stub="$(mktemp -d)"
trap 'rm -rf "$stub"' EXIT
for version in 8.5.2 8.6.1; do
  IFS=. read -r major minor patch <<<"$version"
  mkdir -p "$stub/$version"
  printf '#pragma once\n#define NV_TENSORRT_MAJOR %s\n#define NV_TENSORRT_MINOR %s\n#define NV_TENSORRT_PATCH %s\n' "$major" "$minor" "$patch" >"$stub/$version/NvInfer.h"
  : >"$stub/$version/NvOnnxParser.h"
  : >"$stub/$version/NvInferPlugin.h"
  case "$version" in
    8.5.*) missing='kFP8|kBF16|kINT64|kINT4' ;;
    *) missing='kBF16|kINT64|kINT4' ;;
  esac
  for src in "${sources[@]}"; do
    # -P drops line markers; only the addon's own lines carry these names (napi.h does not).
    found="$(g++ -E -P -std=c++17 "${gyp_flags[@]}" -iquote "$addon/src" -I "$stub/$version" -I "$stand_in" -isystem "$napi_dir" -isystem "$node_headers" "$src" |
      grep -owE "$missing" | sort -u | paste -sd' ' || true)"
    if [ -n "$found" ]; then echo "check:tensorrt: FAIL $src uses $found, which TensorRT $version does not have: guard it with ARCEDGE_TRT_AT_LEAST" >&2; failed=1; fi
  done
done
[ "$failed" -eq 0 ] || fail "version guards: see above"
echo "check:tensorrt: ${#sources[@]} source(s) compile against TensorRT $trt_version headers ($trt_include) with -Werror; version guards hold for 8.5.2 and 8.6.1"
