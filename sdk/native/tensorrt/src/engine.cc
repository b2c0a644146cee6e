// A deserialized engine with one execution context, one CUDA stream and pinned host buffers
// (cudaHostAlloc: the copies to and from the GPU are DMA'd without a staging copy, and
// cudaMemcpyAsync is only truly asynchronous from pinned memory). Runs go through
// Napi::AsyncWorker so Node's main thread never waits on the GPU. The TypeScript wrapper
// (sdk/runtime/tensorrt.ts) queues runs: one in flight per engine, checked here too.
#include "engine.h"

#include <atomic>
#include <cstring>
#include <memory>

#include "common.h"

namespace arcedge {
namespace {

struct Buffer {
  void* host = nullptr;    // pinned
  void* device = nullptr;
  size_t capacity = 0;

  void ensure(size_t bytes) {
    if (bytes <= capacity) return;
    release();
    checkCuda(cudaHostAlloc(&host, bytes, cudaHostAllocDefault), "cudaHostAlloc");
    checkCuda(cudaMalloc(&device, bytes), "cudaMalloc");
    capacity = bytes;
  }
  void release() noexcept {
    if (host) cudaFreeHost(host);
    if (device) cudaFree(device);
    host = device = nullptr;
    capacity = 0;
  }
};

struct IoTensor {
  std::string name;
  bool input = false;
  nvinfer1::DataType type = nvinfer1::DataType::kFLOAT;
  std::vector<int64_t> shape;  // -1 for dynamic axes
  Buffer buffer;
};

struct FeedView {
  size_t index;             // into State::io
  std::vector<int64_t> dims;
  void const* data;         // the JS typed array's memory, kept alive by a reference
  size_t bytes;
};

struct OutputData {
  std::string name;
  std::string type;
  std::vector<int64_t> dims;
  std::vector<uint8_t>* bytes;  // handed to an external ArrayBuffer, freed by its finalizer
};

// Owns the TensorRT objects; destroyed in reverse order of creation (context, engine, runtime).
struct State {
  int device = 0;
  std::unique_ptr<nvinfer1::IRuntime, TrtDelete<nvinfer1::IRuntime>> runtime;
  std::unique_ptr<nvinfer1::ICudaEngine, TrtDelete<nvinfer1::ICudaEngine>> engine;
  std::unique_ptr<nvinfer1::IExecutionContext, TrtDelete<nvinfer1::IExecutionContext>> context;
  cudaStream_t stream = nullptr;
  std::vector<IoTensor> io;
  std::atomic<bool> busy{false};

  ~State() {
    if (stream) cudaSetDevice(device);
    for (auto& t : io) t.buffer.release();
    context.reset();
    engine.reset();
    runtime.reset();
    if (stream) cudaStreamDestroy(stream);
  }
};

class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, std::shared_ptr<State> state, std::vector<FeedView> feeds, std::vector<Napi::Reference<Napi::Value>> keepAlive)
      : Napi::AsyncWorker(env, "arcedge:tensorrt:run"),
        deferred_(Napi::Promise::Deferred::New(env)),
        state_(std::move(state)),
        feeds_(std::move(feeds)),
        keepAlive_(std::move(keepAlive)) {}

  ~RunWorker() override {
    for (auto& out : outputs_) delete out.bytes;  // non-null only when OnOK did not take them
    state_->busy = false;
  }

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    logger().beginCapture();
    try {
      Run();
    } catch (std::exception const& error) {
      // Copies or a launch may already be queued on the stream and still reading or writing the
      // pinned buffers: drain it before the next run reuses them (errors here are already reported).
      if (state_->stream) cudaStreamSynchronize(state_->stream);
      SetError(withLog(error.what(), logger().endCapture()));
      return;
    }
    logger().endCapture();
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = Napi::Object::New(env);
    for (auto& out : outputs_) {
      Napi::Object tensor = Napi::Object::New(env);
      tensor.Set("type", out.type);
      Napi::Array dims = Napi::Array::New(env, out.dims.size());
      for (size_t i = 0; i < out.dims.size(); ++i) dims.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(out.dims[i])));
      tensor.Set("dims", dims);
      std::vector<uint8_t>* bytes = out.bytes;
      out.bytes = nullptr;
      // The vector becomes the ArrayBuffer's memory: no second copy of the output.
      tensor.Set("data", Napi::ArrayBuffer::New(env, bytes->data(), bytes->size(), [](Napi::Env, void*, std::vector<uint8_t>* v) { delete v; }, bytes));
      result.Set(out.name, tensor);
    }
    deferred_.Resolve(result);
  }

  void OnError(Napi::Error const& error) override { deferred_.Reject(error.Value()); }

 private:
  void Run() {
    State& s = *state_;
    checkCuda(cudaSetDevice(s.device), "cudaSetDevice");
    for (auto const& feed : feeds_) {
      IoTensor& t = s.io[feed.index];
      nvinfer1::Dims const dims = toDims(feed.dims, "input " + t.name);
      if (!s.context->setInputShape(t.name.c_str(), dims)) {
        throw std::runtime_error("input " + t.name + ": shape outside the engine's optimisation profile (rebuild with a larger maxBatch or tensorrt.inputShapes)");
      }
      t.buffer.ensure(feed.bytes);
      std::memcpy(t.buffer.host, feed.data, feed.bytes);
      checkCuda(cudaMemcpyAsync(t.buffer.device, t.buffer.host, feed.bytes, cudaMemcpyHostToDevice, s.stream), "cudaMemcpyAsync (input)");
      if (!s.context->setTensorAddress(t.name.c_str(), t.buffer.device)) throw std::runtime_error("setTensorAddress failed for " + t.name);
    }
    std::vector<size_t> outputBytes(s.io.size(), 0);
    for (size_t i = 0; i < s.io.size(); ++i) {
      IoTensor& t = s.io[i];
      if (t.input) continue;
      if (dataTypeSize(t.type) == 0) {
        throw std::runtime_error("output " + t.name + " has TensorRT type " + dataTypeName(t.type) + ", which arcedge cannot read back");
      }
      std::vector<int64_t> dims = toVector(s.context->getTensorShape(t.name.c_str()));
      size_t count = 1;
      for (int64_t d : dims) {
        if (d < 0) throw std::runtime_error("output " + t.name + " has a data-dependent shape, which arcedge does not support");
        count *= static_cast<size_t>(d);
      }
      size_t const bytes = count * dataTypeSize(t.type);
      // A zero-size output still needs a valid address.
      t.buffer.ensure(bytes > 0 ? bytes : 1);
      if (!s.context->setTensorAddress(t.name.c_str(), t.buffer.device)) throw std::runtime_error("setTensorAddress failed for " + t.name);
      outputBytes[i] = bytes;
      outputs_.push_back(OutputData{t.name, dataTypeName(t.type), dims, nullptr});
    }
    if (!s.context->enqueueV3(s.stream)) throw std::runtime_error("enqueueV3 failed");
    for (size_t i = 0; i < s.io.size(); ++i) {
      if (s.io[i].input || outputBytes[i] == 0) continue;
      checkCuda(cudaMemcpyAsync(s.io[i].buffer.host, s.io[i].buffer.device, outputBytes[i], cudaMemcpyDeviceToHost, s.stream), "cudaMemcpyAsync (output)");
    }
    waitForStream(s.stream, "waiting for the run (cudaEventSynchronize)");
    size_t k = 0;
    for (size_t i = 0; i < s.io.size(); ++i) {
      if (s.io[i].input) continue;
      auto const* host = static_cast<uint8_t const*>(s.io[i].buffer.host);
      outputs_[k++].bytes = new std::vector<uint8_t>(host, host + outputBytes[i]);
    }
  }

  Napi::Promise::Deferred deferred_;
  std::shared_ptr<State> state_;
  std::vector<FeedView> feeds_;
  std::vector<Napi::Reference<Napi::Value>> keepAlive_;
  std::vector<OutputData> outputs_;
};

class Engine : public Napi::ObjectWrap<Engine> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Engine", {InstanceMethod<&Engine::Io>("io"), InstanceMethod<&Engine::Run>("run"), InstanceMethod<&Engine::Dispose>("dispose")});
  }

  explicit Engine(Napi::CallbackInfo const& info) : Napi::ObjectWrap<Engine>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsTypedArray() || !info[1].IsObject()) throw Napi::TypeError::New(env, "new Engine(plan: Uint8Array, { device, dlaCore })");
    auto plan = info[0].As<Napi::Uint8Array>();
    Napi::Object options = info[1].As<Napi::Object>();
    auto state = std::make_shared<State>();
    state->device = options.Get("device").As<Napi::Number>().Int32Value();
    int const dlaCore = options.Get("dlaCore").As<Napi::Number>().Int32Value();
    logger().beginCapture();
    try {
      checkCuda(cudaSetDevice(state->device), "cudaSetDevice");
      initPlugins();  // before deserializing: an engine with plugin layers needs them registered
      state->runtime.reset(nvinfer1::createInferRuntime(logger()));
      if (!state->runtime) throw std::runtime_error("createInferRuntime failed");
      if (dlaCore >= 0) {
        // setDLACore does nothing without DLA cores (NvInferRuntime.h) and documents nothing
        // for an index past the last one: refuse it here, naming the index and the range.
        int32_t const cores = state->runtime->getNbDLACores();
        if (dlaCore >= cores) {
          throw std::invalid_argument("DLA core " + std::to_string(dlaCore) + " asked for; this device has " + std::to_string(cores) +
                                      (cores > 0 ? " (valid: 0.." + std::to_string(cores - 1) + ")" : " (no DLA: run on the GPU)"));
        }
        state->runtime->setDLACore(dlaCore);
      }
      state->engine.reset(state->runtime->deserializeCudaEngine(plan.Data(), plan.ByteLength()));
      if (!state->engine) throw std::runtime_error("deserializeCudaEngine failed (engine built by another TensorRT version or GPU?)");
      state->context.reset(state->engine->createExecutionContext());
      if (!state->context) throw std::runtime_error("createExecutionContext failed");
      checkCuda(cudaStreamCreateWithFlags(&state->stream, cudaStreamNonBlocking), "cudaStreamCreate");
      for (int32_t i = 0; i < state->engine->getNbIOTensors(); ++i) {
        IoTensor t;
        t.name = state->engine->getIOTensorName(i);
        t.input = state->engine->getTensorIOMode(t.name.c_str()) == nvinfer1::TensorIOMode::kINPUT;
        t.type = state->engine->getTensorDataType(t.name.c_str());
        t.shape = toVector(state->engine->getTensorShape(t.name.c_str()));
        // Shape tensors live in host memory and are set by value (setTensorAddress with a host
        // pointer in 10.x); this class copies every tensor through the GPU. The builder refuses
        // them already; this catches an engine built elsewhere.
        if (state->engine->isShapeInferenceIO(t.name.c_str())) {
          throw std::invalid_argument(std::string(t.input ? "input " : "output ") + t.name + " " + dimsText(t.shape) +
                                      " is a shape tensor; arcedge feeds and reads only data tensors: re-export the model with it folded to a constant");
        }
        state->io.push_back(std::move(t));
      }
    } catch (std::exception const& error) {
      throw Napi::Error::New(env, withLog(error.what(), logger().endCapture()));
    }
    logger().endCapture();
    state_ = std::move(state);
  }

 private:
  Napi::Value Io(Napi::CallbackInfo const& info) {
    Napi::Env env = info.Env();
    RequireOpen(env);
    Napi::Array list = Napi::Array::New(env, state_->io.size());
    for (size_t i = 0; i < state_->io.size(); ++i) {
      IoTensor const& t = state_->io[i];
      Napi::Object spec = Napi::Object::New(env);
      spec.Set("name", t.name);
      spec.Set("mode", t.input ? "input" : "output");
      spec.Set("type", dataTypeName(t.type));
      Napi::Array shape = Napi::Array::New(env, t.shape.size());
      for (size_t k = 0; k < t.shape.size(); ++k) shape.Set(static_cast<uint32_t>(k), Napi::Number::New(env, static_cast<double>(t.shape[k])));
      spec.Set("shape", shape);
      list.Set(static_cast<uint32_t>(i), spec);
    }
    return list;
  }

  Napi::Value Run(Napi::CallbackInfo const& info) {
    Napi::Env env = info.Env();
    RequireOpen(env);
    if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "run(feeds: Record<string, { type, dims, data }>)");
    Napi::Object feeds = info[0].As<Napi::Object>();
    std::vector<FeedView> views;
    std::vector<Napi::Reference<Napi::Value>> keepAlive;
    for (size_t i = 0; i < state_->io.size(); ++i) {
      IoTensor const& t = state_->io[i];
      if (!t.input) continue;
      Napi::Value value = feeds.Get(t.name);
      if (!value.IsObject()) throw Napi::TypeError::New(env, "missing input " + t.name);
      Napi::Object feed = value.As<Napi::Object>();
      Napi::Value data = feed.Get("data");
      if (!data.IsTypedArray()) throw Napi::TypeError::New(env, "input " + t.name + ": data must be a typed array");
      auto array = data.As<Napi::TypedArray>();
      std::string const type = feed.Get("type").As<Napi::String>();
      if (type != dataTypeName(t.type)) throw Napi::TypeError::New(env, "input " + t.name + " is " + type + ", the engine wants " + dataTypeName(t.type));
      if (dataTypeSize(t.type) == 0) throw Napi::TypeError::New(env, "input " + t.name + " has TensorRT type " + dataTypeName(t.type) + ", which arcedge cannot feed");
      FeedView view{i, {}, nullptr, array.ByteLength()};
      Napi::Value dimsValue = feed.Get("dims");
      if (!dimsValue.IsArray()) throw Napi::TypeError::New(env, "input " + t.name + ": dims must be an array of integers");
      Napi::Array dims = dimsValue.As<Napi::Array>();
      // The rank is checked here, not only in TypeScript: nvinfer1::Dims is a fixed array of
      // Dims::MAX_DIMS (8) entries, and a longer shape from a direct caller would overrun it.
      if (dims.Length() != t.shape.size()) {
        throw Napi::RangeError::New(env, "input " + t.name + " has rank " + std::to_string(dims.Length()) + ", the engine wants " + dimsText(t.shape));
      }
      size_t count = 1;
      for (uint32_t k = 0; k < dims.Length(); ++k) {
        Napi::Value dim = dims.Get(k);
        if (!dim.IsNumber() || dim.As<Napi::Number>().Int64Value() < 0) throw Napi::TypeError::New(env, "input " + t.name + ": dims must be non-negative integers");
        view.dims.push_back(dim.As<Napi::Number>().Int64Value());
        count *= static_cast<size_t>(view.dims.back());
      }
      // enqueueV3 needs a non-null address for every input (NvInferRuntime.h, setTensorAddress),
      // and a zero-byte buffer has none: refuse here with the input's name instead of letting
      // TensorRT fail with a message that names no input.
      if (count == 0) {
        throw Napi::RangeError::New(env, "input " + t.name + " is empty (dims " + dimsText(view.dims) + "); TensorRT cannot run an empty input: skip the run instead");
      }
      if (count * dataTypeSize(t.type) != view.bytes) throw Napi::RangeError::New(env, "input " + t.name + ": dims do not match the data length");
      view.data = static_cast<uint8_t const*>(array.ArrayBuffer().Data()) + array.ByteOffset();
      views.push_back(std::move(view));
      keepAlive.push_back(Napi::Persistent(data));
    }
    bool expected = false;
    if (!state_->busy.compare_exchange_strong(expected, true)) throw Napi::Error::New(env, "a run is already in flight on this engine");
    auto* worker = new RunWorker(env, state_, std::move(views), std::move(keepAlive));
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  // Frees GPU memory now rather than at garbage collection; a run in flight keeps the state
  // alive through its shared_ptr and releases it when it finishes.
  Napi::Value Dispose(Napi::CallbackInfo const& info) {
    state_.reset();
    return info.Env().Undefined();
  }

  void RequireOpen(Napi::Env env) const {
    if (!state_) throw Napi::Error::New(env, "engine disposed");
  }

  std::shared_ptr<State> state_;
};

}  // namespace

Napi::Function DefineEngineClass(Napi::Env env) { return Engine::Define(env); }

}  // namespace arcedge
