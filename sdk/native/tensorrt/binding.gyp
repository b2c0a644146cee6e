# Built only by build.sh (`npm run build:tensorrt`), which exports the ARCEDGE_* paths below.
# This file is deliberately not at the package root, so a plain `npm install` never compiles it.
# The addon is C++17: Node >= 23's common.gypi adds -std=gnu++20, which GCC 9 (JetPack 5) rejects,
# so every gnu++ standard Node may add is stripped before ours.
{
  "targets": [
    {
      "target_name": "arcedge_tensorrt",
      "sources": ["src/addon.cc", "src/build.cc", "src/common.cc", "src/engine.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!(node -p \"process.env.ARCEDGE_TRT_INCLUDE\")",
        "<!(node -p \"process.env.ARCEDGE_CUDA_INCLUDE\")"
      ],
      "libraries": [
        "-L<!(node -p \"process.env.ARCEDGE_TRT_LIB\")",
        "-L<!(node -p \"process.env.ARCEDGE_CUDA_LIB\")",
        "-lnvinfer",
        "-lnvonnxparser",
        "-lnvinfer_plugin",
        "-lcudart",
        "-Wl,-rpath,<!(node -p \"process.env.ARCEDGE_TRT_LIB\")",
        "-Wl,-rpath,<!(node -p \"process.env.ARCEDGE_CUDA_LIB\")"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++20", "-std=gnu++17", "-std=gnu++14"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "-Wall", "-Wno-deprecated-declarations"]
    }
  ]
}
