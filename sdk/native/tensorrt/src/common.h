// Shared by every source of the arcedge TensorRT addon: version switches, the buffering
// logger, CUDA error checks. Compiles against TensorRT 8.5/8.6 (JetPack 5.1.x / 6.0) and
// 10.x (JetPack 6.1+); the name-based I/O API (getIOTensorName, setTensorAddress,
// setInputShape, enqueueV3) used here exists in all of them (added in 8.5).
#pragma once

#include <NvInfer.h>
#include <NvOnnxParser.h>
#include <cuda_runtime_api.h>

#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#if !defined(NV_TENSORRT_MAJOR) || NV_TENSORRT_MAJOR < 8 || (NV_TENSORRT_MAJOR == 8 && NV_TENSORRT_MINOR < 5)
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

std::string versionString(int32_t major, int32_t minor, int32_t patch);
// getInferLibVersion() encodes 8.x as M*1000+m*100+p and 10.x as M*10000+m*100+p.
std::string runtimeTensorRtVersion();

char const* dataTypeName(nvinfer1::DataType type);
size_t dataTypeSize(nvinfer1::DataType type);

template <typename T>
struct TrtDelete {
  void operator()(T* p) const noexcept { delete p; }
};

}  // namespace arcedge
