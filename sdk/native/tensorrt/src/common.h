// Shared by every source of the arcedge TensorRT addon: version switches, the buffering
// logger, CUDA error checks, Dims conversion. Written for TensorRT 8.5/8.6 (JetPack 5.1.x /
// 6.0) and 10.x (JetPack 6.1+); the name-based I/O API (getIOTensorName, setTensorAddress,
// setInputShape, enqueueV3, isShapeInferenceIO) used here exists in all of them (added in
// 8.5). Anything newer sits behind ARCEDGE_TRT_AT_LEAST. `npm run check:tensorrt` compiles
// every source against the real 10.3.0 headers and checks the guards for 8.5.2 and 8.6.1.
#pragma once

#include <NvInfer.h>
#include <NvInferPlugin.h>
#include <NvOnnxParser.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

// True when compiling against TensorRT major.minor or newer. Every enum member or call that
// TensorRT 8.5 lacks goes behind it (e.g. DataType::kFP8, new in 8.6).
#define ARCEDGE_TRT_AT_LEAST(major, minor) \
  (NV_TENSORRT_MAJOR > (major) || (NV_TENSORRT_MAJOR == (major) && NV_TENSORRT_MINOR >= (minor)))

#if !defined(NV_TENSORRT_MAJOR) || !ARCEDGE_TRT_AT_LEAST(8, 5)
#error "arcedge needs TensorRT 8.5 or newer (JetPack 5.1+)"
#endif

namespace arcedge {

// TensorRT reports through one ILogger per process in practice (a second logger passed to a
// later createInfer* call is ignored with a warning), so a single global logger keeps the last
// lines, and a worker thread can capture the lines emitted while it builds or runs.
class BufferingLogger : public nvinfer1::ILogger {
 public:
  void log(Severity severity, char const* msg) noexcept override;
  // Starts collecting this thread's messages; returns them on stop.
  void beginCapture();
  std::vector<std::string> endCapture();
  std::vector<std::string> recent() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> recent_;
};

BufferingLogger& logger();

// Joins TensorRT's own lines under a headline, so a JS exception carries what TensorRT said.
std::string withLog(std::string const& headline, std::vector<std::string> const& lines);

void checkCuda(cudaError_t status, char const* what);

// Registers TensorRT's standard plugins (libnvinfer_plugin) once per process. The ONNX parser
// can build an engine with a plugin layer without them, but a later process cannot deserialize
// that engine unless they are registered: every restart would fall back to CPU.
void initPlugins();

// Waits for everything queued on `stream` without spinning: a blocking-sync event sleeps the
// thread until the GPU signals it, where cudaStreamSynchronize under the default scheduling
// busy-waits a CPU core for the whole inference (on a 6-core Orin, a core per camera).
void waitForStream(cudaStream_t stream, char const* what);

std::string versionString(int32_t major, int32_t minor, int32_t patch);
// getInferLibVersion() encodes 8.x as M*1000+m*100+p and 10.x as M*10000+m*100+p.
std::string runtimeTensorRtVersion();

char const* dataTypeName(nvinfer1::DataType type);
size_t dataTypeSize(nvinfer1::DataType type);

// nvinfer1::Dims holds at most Dims::MAX_DIMS (8) axes in a fixed array: a longer shape would
// write past it. Throws std::invalid_argument naming `what` instead.
nvinfer1::Dims toDims(std::vector<int64_t> const& values, std::string const& what);
std::vector<int64_t> toVector(nvinfer1::Dims const& dims);
std::string dimsText(std::vector<int64_t> const& dims);

template <typename T>
struct TrtDelete {
  void operator()(T* p) const noexcept { delete p; }
};

}  // namespace arcedge
