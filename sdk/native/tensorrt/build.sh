#!/usr/bin/env bash
# Builds the arcedge TensorRT addon (sdk/native/tensorrt/build/Release/arcedge_tensorrt.node).
# Run it on the device, from anywhere: `npm run build:tensorrt`. Needs TensorRT (with the ONNX
# parser) and CUDA headers and libraries, a C++17 compiler, make and python3 (for node-gyp).
#
# Paths (JetPack defaults in brackets):
#   TENSORRT_ROOT   a TensorRT tarball or install prefix with include/ and lib/
#                   [headers /usr/include/aarch64-linux-gnu, libs /usr/lib/aarch64-linux-gnu]
#   CUDA_HOME       [/usr/local/cuda]
# Node: `--node /path/to/node` (what install.sh passes), else NODE, else the first on PATH. Its
# folder goes first on PATH, so node-gyp, npm and binding.gyp's `node -p` all use that Node
# (the addon is built for its ABI and headers).
set -euo pipefail
node_bin="${NODE:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --node) node_bin="$2"; shift 2 ;;
    *) echo "build:tensorrt: unknown option $1 (usage: build.sh [--node /path/to/node])" >&2; exit 2 ;;
  esac
done
if [ -n "$node_bin" ]; then
  [ -x "$node_bin" ] || { echo "build:tensorrt: --node $node_bin is not an executable" >&2; exit 1; }
  PATH="$(cd "$(dirname "$node_bin")" && pwd):$PATH"
  export PATH
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
arch_triplet="$(uname -m)-linux-gnu"

if [ -n "${TENSORRT_ROOT:-}" ]; then
  trt_include="$TENSORRT_ROOT/include"
  trt_lib="$TENSORRT_ROOT/lib"
else
  trt_include="/usr/include/$arch_triplet"
  trt_lib="/usr/lib/$arch_triplet"
fi
cuda_home="${CUDA_HOME:-/usr/local/cuda}"
cuda_include="$cuda_home/include"
cuda_lib="$cuda_home/lib64"

missing=()
[ -f "$trt_include/NvInfer.h" ] || missing+=("NvInfer.h in $trt_include (TensorRT headers: apt install libnvinfer-dev, or set TENSORRT_ROOT)")
[ -f "$trt_include/NvOnnxParser.h" ] || missing+=("NvOnnxParser.h in $trt_include (apt install libnvonnxparsers-dev)")
[ -f "$trt_include/NvInferPlugin.h" ] || missing+=("NvInferPlugin.h in $trt_include (apt install libnvinfer-plugin-dev)")
[ -f "$cuda_include/cuda_runtime_api.h" ] || missing+=("cuda_runtime_api.h in $cuda_include (CUDA toolkit: set CUDA_HOME)")
[ -d "$repo/node_modules/node-addon-api" ] || missing+=("node_modules/node-addon-api (run npm install in $repo; it is a devDependency)")
if [ "${#missing[@]}" -gt 0 ]; then
  echo "build:tensorrt: cannot build the TensorRT addon, missing:" >&2
  for m in "${missing[@]}"; do echo "  - $m" >&2; done
  exit 1
fi

# node-gyp: the project's own copy, else the one bundled with npm, else npx (downloads it).
node_gyp=()
if [ -x "$repo/node_modules/.bin/node-gyp" ]; then
  node_gyp=("$repo/node_modules/.bin/node-gyp")
else
  npm_gyp="$(npm prefix -g 2>/dev/null)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
  if [ -f "$npm_gyp" ]; then node_gyp=(node "$npm_gyp"); else node_gyp=(npx --yes node-gyp); fi
fi

export ARCEDGE_TRT_INCLUDE="$trt_include" ARCEDGE_TRT_LIB="$trt_lib" ARCEDGE_CUDA_INCLUDE="$cuda_include" ARCEDGE_CUDA_LIB="$cuda_lib"
echo "build:tensorrt: TensorRT $trt_include | $trt_lib; CUDA $cuda_home; node $(command -v node) $(node -v); node-gyp: ${node_gyp[*]}"
cd "$here"
# NODE_PATH lets binding.gyp's `require('node-addon-api')` find the repo's node_modules.
NODE_PATH="$repo/node_modules" "${node_gyp[@]}" rebuild --release -j "$(nproc)"
echo "build:tensorrt: built $here/build/Release/arcedge_tensorrt.node"
node -e "const a=require('$here/build/Release/arcedge_tensorrt.node'); console.log('build:tensorrt:', JSON.stringify(a.info()))"
