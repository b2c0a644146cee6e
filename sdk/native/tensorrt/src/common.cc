#include "common.h"

#include <cstdio>
#include <cstdlib>

namespace arcedge {

namespace {
thread_local std::vector<std::string>* tCapture = nullptr;
constexpr size_t kRecentLines = 64;
constexpr size_t kCaptureLines = 200;

char const* severityName(nvinfer1::ILogger::Severity severity) {
  switch (severity) {
    case nvinfer1::ILogger::Severity::kINTERNAL_ERROR: return "internal error";
    case nvinfer1::ILogger::Severity::kERROR: return "error";
    case nvinfer1::ILogger::Severity::kWARNING: return "warning";
    case nvinfer1::ILogger::Severity::kINFO: return "info";
    default: return "verbose";
  }
}
}  // namespace

void BufferingLogger::log(Severity severity, char const* msg) noexcept {
  static bool const verbose = std::getenv("ARCEDGE_TENSORRT_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "[tensorrt %s] %s\n", severityName(severity), msg);
  // Info and verbose lines run to thousands during a build; errors and warnings are what a user needs.
  if (severity > Severity::kWARNING) return;
  try {
    std::string line = std::string(severityName(severity)) + ": " + msg;
    if (tCapture != nullptr && tCapture->size() < kCaptureLines) tCapture->push_back(line);
    std::lock_guard<std::mutex> lock(mutex_);
    if (recent_.size() >= kRecentLines) recent_.erase(recent_.begin());
    recent_.push_back(std::move(line));
  } catch (...) {
    // log() is noexcept: dropping a line beats terminating the process.
  }
}

void BufferingLogger::beginCapture() {
  delete tCapture;
  tCapture = new std::vector<std::string>();
}

std::vector<std::string> BufferingLogger::endCapture() {
  std::vector<std::string> lines;
  if (tCapture != nullptr) {
    lines = std::move(*tCapture);
    delete tCapture;
    tCapture = nullptr;
  }
  return lines;
}

std::vector<std::string> BufferingLogger::recent() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return recent_;
}

BufferingLogger& logger() {
  static BufferingLogger instance;
  return instance;
}

std::string withLog(std::string const& headline, std::vector<std::string> const& lines) {
  std::string text = headline;
  if (!lines.empty()) {
    text += "\nTensorRT said:";
    for (auto const& line : lines) text += "\n  " + line;
  }
  return text;
}

void checkCuda(cudaError_t status, char const* what) {
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string(what) + " failed: " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
  }
}

void initPlugins() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (!initLibNvInferPlugins(&logger(), "")) logger().log(nvinfer1::ILogger::Severity::kWARNING, "arcedge: initLibNvInferPlugins failed; engines with plugin layers will not load");
  });
}

void waitForStream(cudaStream_t stream, char const* what) {
  cudaEvent_t done = nullptr;
  checkCuda(cudaEventCreateWithFlags(&done, cudaEventBlockingSync | cudaEventDisableTiming), what);
  cudaError_t status = cudaEventRecord(done, stream);
  if (status == cudaSuccess) status = cudaEventSynchronize(done);
  cudaEventDestroy(done);
  checkCuda(status, what);
}

std::string versionString(int32_t major, int32_t minor, int32_t patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string runtimeTensorRtVersion() {
  int32_t const v = getInferLibVersion();
  int32_t const majorScale = v >= 100000 ? 10000 : 1000;
  return versionString(v / majorScale, (v % majorScale) / 100, v % 100);
}

char const* dataTypeName(nvinfer1::DataType type) {
  switch (type) {
    case nvinfer1::DataType::kFLOAT: return "float32";
    case nvinfer1::DataType::kHALF: return "float16";
    case nvinfer1::DataType::kINT8: return "int8";
    case nvinfer1::DataType::kINT32: return "int32";
    case nvinfer1::DataType::kBOOL: return "bool";
    case nvinfer1::DataType::kUINT8: return "uint8";
    // Types arcedge cannot feed or read keep TensorRT's own name (see NativeTensorSpec.type).
#if ARCEDGE_TRT_AT_LEAST(8, 6)
    case nvinfer1::DataType::kFP8: return "fp8";
#endif
#if ARCEDGE_TRT_AT_LEAST(10, 0)
    case nvinfer1::DataType::kINT64: return "int64";
    case nvinfer1::DataType::kBF16: return "bf16";
    case nvinfer1::DataType::kINT4: return "int4";
#endif
    default: return "unsupported";
  }
}

size_t dataTypeSize(nvinfer1::DataType type) {
  switch (type) {
    case nvinfer1::DataType::kFLOAT:
    case nvinfer1::DataType::kINT32: return 4;
    case nvinfer1::DataType::kHALF: return 2;
    case nvinfer1::DataType::kINT8:
    case nvinfer1::DataType::kBOOL:
    case nvinfer1::DataType::kUINT8: return 1;
#if ARCEDGE_TRT_AT_LEAST(10, 0)
    case nvinfer1::DataType::kINT64: return 8;
#endif
    // 0: a type arcedge does not copy in or out (fp8, bf16, int4, ...).
    default: return 0;
  }
}

nvinfer1::Dims toDims(std::vector<int64_t> const& values, std::string const& what) {
  if (values.size() > static_cast<size_t>(nvinfer1::Dims::MAX_DIMS)) {
    throw std::invalid_argument(what + " has rank " + std::to_string(values.size()) + "; TensorRT tensors have at most " +
                                std::to_string(nvinfer1::Dims::MAX_DIMS) + " axes");
  }
  nvinfer1::Dims dims{};
  dims.nbDims = static_cast<int32_t>(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    // Dims::d is int32_t before TensorRT 10 and int64_t from 10 on.
    dims.d[i] = static_cast<decltype(dims.d[0] + 0)>(values[i]);
  }
  return dims;
}

std::vector<int64_t> toVector(nvinfer1::Dims const& dims) {
  std::vector<int64_t> values;
  for (int32_t i = 0; i < dims.nbDims && i < nvinfer1::Dims::MAX_DIMS; ++i) values.push_back(static_cast<int64_t>(dims.d[i]));
  return values;
}

std::string dimsText(std::vector<int64_t> const& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

}  // namespace arcedge
