// arcedge_tensorrt: the N-API entry point. Exports info(), buildEngine() and Engine; their
// TypeScript description is sdk/runtime/tensorrt-native.ts.
#include <napi.h>

#include <memory>

#include "build.h"
#include "common.h"
#include "engine.h"

namespace arcedge {
namespace {

std::string cudaVersionText(int version) {
  // CUDA encodes 12.6 as 12060.
  return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

Napi::Value Info(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("tensorrtVersion", runtimeTensorRtVersion());
  result.Set("compiledTensorrtVersion", versionString(NV_TENSORRT_MAJOR, NV_TENSORRT_MINOR, NV_TENSORRT_PATCH));
  int runtimeVersion = 0, driverVersion = 0;
  cudaRuntimeGetVersion(&runtimeVersion);
  cudaDriverGetVersion(&driverVersion);
  result.Set("cudaRuntimeVersion", cudaVersionText(runtimeVersion));
  result.Set("cudaDriverVersion", cudaVersionText(driverVersion));
  Napi::Array devices = Napi::Array::New(env);
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    result.Set("deviceError", std::string(cudaGetErrorName(status)) + ": " + cudaGetErrorString(status));
    count = 0;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    Napi::Object device = Napi::Object::New(env);
    device.Set("index", i);
    device.Set("name", prop.name);
    device.Set("computeCapability", std::to_string(prop.major) + "." + std::to_string(prop.minor));
    device.Set("totalMemoryBytes", Napi::Number::New(env, static_cast<double>(prop.totalGlobalMem)));
    device.Set("integrated", Napi::Boolean::New(env, prop.integrated != 0));
    // Every Orin module reports the name "Orin": the SM count and memory tell a Nano from an
    // NX or AGX, so an engine tuned on one is not loaded on another (engine cache key).
    device.Set("multiProcessorCount", prop.multiProcessorCount);
    devices.Set(devices.Length(), device);
  }
  result.Set("devices", devices);
  int dlaCores = 0;
  if (count > 0) {
    std::unique_ptr<nvinfer1::IRuntime, TrtDelete<nvinfer1::IRuntime>> runtime(nvinfer1::createInferRuntime(logger()));
    if (runtime) dlaCores = runtime->getNbDLACores();
  }
  result.Set("dlaCores", dlaCores);
  return result;
}

Napi::Object Exports(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New<Info>(env, "info"));
  exports.Set("buildEngine", Napi::Function::New<BuildEngine>(env, "buildEngine"));
  exports.Set("Engine", DefineEngineClass(env));
  return exports;
}

}  // namespace
}  // namespace arcedge

// NODE_API_MODULE pastes the name into an identifier, so it must be unqualified.
static Napi::Object InitArcEdgeTensorRt(Napi::Env env, Napi::Object exports) { return arcedge::Exports(env, exports); }
NODE_API_MODULE(arcedge_tensorrt, InitArcEdgeTensorRt)
