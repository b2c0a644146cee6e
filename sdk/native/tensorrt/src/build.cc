// Engine building: ONNX parser -> network -> builder config (precision, profile, workspace,
// DLA, timing cache) -> serialized engine. Runs on a libuv worker thread (a build takes from
// seconds to minutes on a Jetson), never on Node's main thread.
#include "build.h"

#include <map>
#include <memory>

#include "common.h"

namespace arcedge {
namespace {

struct ProfileDims {
  std::vector<int64_t> min, opt, max;
};

struct BuildOptions {
  std::string onnxPath;
  int device = 0;
  std::string precision = "fp32";
  int64_t minBatch = 1, optBatch = 1, maxBatch = 8;
  std::map<std::string, ProfileDims> inputShapes;
  size_t workspaceBytes = size_t(1) << 30;
  int dlaCore = -1;
  std::vector<uint8_t> timingCache;
};

// Runs on Node's main thread, so a bad shape is a JS exception before any TensorRT call.
std::vector<int64_t> readDims(Napi::Value value, std::string const& what) {
  Napi::Env env = value.Env();
  if (!value.IsArray()) throw Napi::TypeError::New(env, what + " must be an array of integers");
  auto array = value.As<Napi::Array>();
  if (array.Length() > static_cast<uint32_t>(nvinfer1::Dims::MAX_DIMS)) {
    throw Napi::RangeError::New(env, what + " has rank " + std::to_string(array.Length()) + "; TensorRT tensors have at most " +
                                         std::to_string(nvinfer1::Dims::MAX_DIMS) + " axes");
  }
  std::vector<int64_t> dims;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    if (!item.IsNumber()) throw Napi::TypeError::New(env, what + " must be an array of integers");
    dims.push_back(item.As<Napi::Number>().Int64Value());
  }
  return dims;
}

std::string shapeText(nvinfer1::Dims const& dims) { return dimsText(toVector(dims)); }

class BuildWorker : public Napi::AsyncWorker {
 public:
  BuildWorker(Napi::Env env, BuildOptions options)
      : Napi::AsyncWorker(env, "arcedge:tensorrt:build"), deferred_(Napi::Promise::Deferred::New(env)), options_(std::move(options)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    logger().beginCapture();
    try {
      Build();
    } catch (std::exception const& error) {
      SetError(withLog(error.what(), logger().endCapture()));
      return;
    }
    log_ = logger().endCapture();
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object result = Napi::Object::New(env);
    result.Set("engine", Napi::Buffer<uint8_t>::Copy(env, engine_.data(), engine_.size()));
    result.Set("timingCache", timing_.empty() ? env.Null() : Napi::Buffer<uint8_t>::Copy(env, timing_.data(), timing_.size()).As<Napi::Value>());
    Napi::Array log = Napi::Array::New(env, log_.size());
    for (size_t i = 0; i < log_.size(); ++i) log.Set(static_cast<uint32_t>(i), log_[i]);
    result.Set("log", log);
    Napi::Array fallback = Napi::Array::New(env, dlaFallback_.size());
    for (size_t i = 0; i < dlaFallback_.size(); ++i) fallback.Set(static_cast<uint32_t>(i), dlaFallback_[i]);
    result.Set("dlaFallbackLayers", fallback);
    deferred_.Resolve(result);
  }

  void OnError(Napi::Error const& error) override { deferred_.Reject(error.Value()); }

 private:
  void Build() {
    checkCuda(cudaSetDevice(options_.device), "cudaSetDevice");
    initPlugins();  // the parser maps some ONNX ops to plugins; the runtime needs the same registry
    std::unique_ptr<nvinfer1::IBuilder, TrtDelete<nvinfer1::IBuilder>> builder(nvinfer1::createInferBuilder(logger()));
    if (!builder) throw std::runtime_error("createInferBuilder failed");
#if NV_TENSORRT_MAJOR >= 10
    // Networks are always explicit-batch in TensorRT 10; kEXPLICIT_BATCH is deprecated and ignored.
    uint32_t const networkFlags = 0;
#else
    uint32_t const networkFlags = 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kEXPLICIT_BATCH);
#endif
    std::unique_ptr<nvinfer1::INetworkDefinition, TrtDelete<nvinfer1::INetworkDefinition>> network(builder->createNetworkV2(networkFlags));
    if (!network) throw std::runtime_error("createNetworkV2 failed");
    std::unique_ptr<nvonnxparser::IParser, TrtDelete<nvonnxparser::IParser>> parser(nvonnxparser::createParser(*network, logger()));
    if (!parser) throw std::runtime_error("nvonnxparser::createParser failed");
    if (!parser->parseFromFile(options_.onnxPath.c_str(), static_cast<int32_t>(nvinfer1::ILogger::Severity::kWARNING))) {
      std::string text = "the ONNX parser rejected " + options_.onnxPath + ":";
      for (int32_t i = 0; i < parser->getNbErrors(); ++i) text += std::string("\n  ") + parser->getError(i)->desc();
      throw std::runtime_error(text);
    }

    std::unique_ptr<nvinfer1::IBuilderConfig, TrtDelete<nvinfer1::IBuilderConfig>> config(builder->createBuilderConfig());
    if (!config) throw std::runtime_error("createBuilderConfig failed");
    config->setMemoryPoolLimit(nvinfer1::MemoryPoolType::kWORKSPACE, options_.workspaceBytes);
    if (options_.precision == "fp16") {
      config->setFlag(nvinfer1::BuilderFlag::kFP16);
    } else if (options_.precision == "int8") {
      // Explicit quantization: scales come from the model's Q/DQ nodes, so no calibrator is set.
      // FP16 lets the layers outside Q/DQ pairs run in half precision instead of FP32.
      config->setFlag(nvinfer1::BuilderFlag::kINT8);
      config->setFlag(nvinfer1::BuilderFlag::kFP16);
    }
    if (options_.dlaCore >= 0) {
      int32_t const cores = builder->getNbDLACores();
      if (options_.dlaCore >= cores) {
        throw std::runtime_error("DLA core " + std::to_string(options_.dlaCore) + " asked for; this device has " + std::to_string(cores) +
                                 (cores > 0 ? " (valid: 0.." + std::to_string(cores - 1) + ")" : " (no DLA: run on the GPU)"));
      }
      config->setDefaultDeviceType(nvinfer1::DeviceType::kDLA);
      config->setDLACore(options_.dlaCore);
      config->setFlag(nvinfer1::BuilderFlag::kGPU_FALLBACK);
      NoteGpuFallback(*network, *config);
    }

    AddProfile(*builder, *network, *config);

    // A saved cache from another TensorRT version or GPU is rejected (createTimingCache returns
    // null for an unreadable blob; setTimingCache returns false on a mismatch): start a fresh one
    // then, so the build still leaves a cache behind for the next one.
    std::unique_ptr<nvinfer1::ITimingCache, TrtDelete<nvinfer1::ITimingCache>> timingCache;
    if (!options_.timingCache.empty()) {
      timingCache.reset(config->createTimingCache(options_.timingCache.data(), options_.timingCache.size()));
      if (timingCache && !config->setTimingCache(*timingCache, /*ignoreMismatch=*/false)) timingCache.reset();
      if (!timingCache) logger().log(nvinfer1::ILogger::Severity::kWARNING, "arcedge: the saved timing cache does not fit this TensorRT/GPU; starting a new one");
    }
    if (!timingCache) {
      timingCache.reset(config->createTimingCache(nullptr, 0));
      if (timingCache) config->setTimingCache(*timingCache, /*ignoreMismatch=*/false);
    }

    std::unique_ptr<nvinfer1::IHostMemory, TrtDelete<nvinfer1::IHostMemory>> plan(builder->buildSerializedNetwork(*network, *config));
    if (!plan || plan->size() == 0) throw std::runtime_error("buildSerializedNetwork returned no engine");
    auto const* bytes = static_cast<uint8_t const*>(plan->data());
    engine_.assign(bytes, bytes + plan->size());

    if (timingCache) {
      std::unique_ptr<nvinfer1::IHostMemory, TrtDelete<nvinfer1::IHostMemory>> serialized(timingCache->serialize());
      if (serialized) {
        auto const* t = static_cast<uint8_t const*>(serialized->data());
        timing_.assign(t, t + serialized->size());
      }
    }
  }

  // kGPU_FALLBACK moves every layer DLA cannot run to the GPU without a word; say which, so
  // a user can tell a DLA engine from a GPU engine with a DLA label.
  void NoteGpuFallback(nvinfer1::INetworkDefinition& network, nvinfer1::IBuilderConfig& config) {
    std::string names;
    int32_t count = 0;
    for (int32_t i = 0; i < network.getNbLayers(); ++i) {
      nvinfer1::ILayer* layer = network.getLayer(i);
      if (config.canRunOnDLA(layer)) continue;
      dlaFallback_.emplace_back(layer->getName());
      if (++count <= 10) names += (count > 1 ? ", " : "") + dlaFallback_.back();
    }
    if (count == 0) return;
    std::string const line = "arcedge: " + std::to_string(count) + " of " + std::to_string(network.getNbLayers()) + " layers cannot run on DLA core " +
                             std::to_string(options_.dlaCore) + " and fall back to the GPU: " + names + (count > 10 ? ", ..." : "");
    logger().log(nvinfer1::ILogger::Severity::kWARNING, line.c_str());
  }

  // One optimisation profile: a dynamic leading axis is the batch [min, opt, max]; any other
  // dynamic axis needs an explicit shape from the caller (tensorrt.inputShapes). DLA runs only
  // static shapes ("DLA does not support dynamic dimensions, so the profile's min, max, and opt
  // values must be equal", TensorRT developer guide, DLA Supported Layers and Restrictions): the
  // wrapper (sdk/runtime/tensorrt-plan.ts) passes min = opt = max then, and this checks it.
  void AddProfile(nvinfer1::IBuilder& builder, nvinfer1::INetworkDefinition& network, nvinfer1::IBuilderConfig& config) {
    bool const dla = options_.dlaCore >= 0;
    if (dla && (options_.minBatch != options_.optBatch || options_.optBatch != options_.maxBatch)) {
      throw std::invalid_argument("DLA core " + std::to_string(options_.dlaCore) + " needs a static batch, got min " + std::to_string(options_.minBatch) + " opt " +
                                  std::to_string(options_.optBatch) + " max " + std::to_string(options_.maxBatch));
    }
    nvinfer1::IOptimizationProfile* profile = builder.createOptimizationProfile();
    bool dynamic = false;
    for (int32_t i = 0; i < network.getNbInputs(); ++i) {
      nvinfer1::ITensor* input = network.getInput(i);
      std::string const name = input->getName();
      nvinfer1::Dims const declared = input->getDimensions();
      // A shape tensor's values (not its data) size other tensors: it needs setShapeValues in
      // the profile and a host pointer at run time, which arcedge does not do. Say so here
      // rather than let the build fail on a missing profile.
      if (input->isShapeTensor()) {
        throw std::invalid_argument("input " + name + " " + shapeText(declared) +
                                    " is a shape tensor (its values set other tensors' shapes); arcedge feeds only data tensors: "
                                    "re-export the model with that input folded to a constant");
      }
      nvinfer1::Dims minDims = declared, optDims = declared, maxDims = declared;
      auto explicitShape = options_.inputShapes.find(name);
      if (explicitShape != options_.inputShapes.end()) {
        ProfileDims const& shape = explicitShape->second;
        for (auto const* dims : {&shape.min, &shape.opt, &shape.max}) {
          if (static_cast<int32_t>(dims->size()) != declared.nbDims) {
            throw std::invalid_argument("inputShapes." + name + " has rank " + std::to_string(dims->size()) + ", the model declares " + shapeText(declared));
          }
        }
        if (dla && (shape.min != shape.opt || shape.opt != shape.max)) {
          throw std::invalid_argument("inputShapes." + name + ": DLA needs min = opt = max, got min " + dimsText(shape.min) + " opt " + dimsText(shape.opt) + " max " +
                                      dimsText(shape.max));
        }
        minDims = toDims(shape.min, "inputShapes." + name + ".min");
        optDims = toDims(shape.opt, "inputShapes." + name + ".opt");
        maxDims = toDims(shape.max, "inputShapes." + name + ".max");
        dynamic = true;
      } else {
        for (int32_t axis = 0; axis < declared.nbDims; ++axis) {
          if (declared.d[axis] >= 0) continue;
          if (axis != 0) {
            throw std::invalid_argument("input " + name + " " + shapeText(declared) + " has dynamic axis " + std::to_string(axis) +
                                        "; pass tensorrt.inputShapes['" + name + "'] = { min, opt, max }");
          }
          minDims.d[0] = static_cast<decltype(minDims.d[0] + 0)>(options_.minBatch);
          optDims.d[0] = static_cast<decltype(optDims.d[0] + 0)>(options_.optBatch);
          maxDims.d[0] = static_cast<decltype(maxDims.d[0] + 0)>(options_.maxBatch);
          dynamic = true;
        }
      }
      if (!profile->setDimensions(name.c_str(), nvinfer1::OptProfileSelector::kMIN, minDims) ||
          !profile->setDimensions(name.c_str(), nvinfer1::OptProfileSelector::kOPT, optDims) ||
          !profile->setDimensions(name.c_str(), nvinfer1::OptProfileSelector::kMAX, maxDims)) {
        throw std::runtime_error("TensorRT rejected the profile for " + name + ": min " + shapeText(minDims) + " opt " + shapeText(optDims) + " max " + shapeText(maxDims));
      }
    }
    // A fully static network needs no profile.
    if (dynamic && config.addOptimizationProfile(profile) < 0) throw std::runtime_error("addOptimizationProfile failed");
  }

  Napi::Promise::Deferred deferred_;
  BuildOptions options_;
  std::vector<uint8_t> engine_;
  std::vector<uint8_t> timing_;
  std::vector<std::string> log_;
  std::vector<std::string> dlaFallback_;
};

BuildOptions parseOptions(Napi::CallbackInfo const& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsObject()) {
    throw Napi::TypeError::New(env, "buildEngine(onnxPath: string, options: object)");
  }
  BuildOptions options;
  options.onnxPath = info[0].As<Napi::String>();
  Napi::Object o = info[1].As<Napi::Object>();
  options.device = o.Get("device").As<Napi::Number>().Int32Value();
  options.precision = o.Get("precision").As<Napi::String>();
  options.minBatch = o.Get("minBatch").As<Napi::Number>().Int64Value();
  options.optBatch = o.Get("optBatch").As<Napi::Number>().Int64Value();
  options.maxBatch = o.Get("maxBatch").As<Napi::Number>().Int64Value();
  options.workspaceBytes = static_cast<size_t>(o.Get("workspaceBytes").As<Napi::Number>().Int64Value());
  options.dlaCore = o.Get("dlaCore").As<Napi::Number>().Int32Value();
  if (options.dlaCore < -1) throw Napi::RangeError::New(env, "dlaCore must be -1 (GPU) or a DLA core index, got " + std::to_string(options.dlaCore));
  if (options.minBatch < 1 || options.optBatch < options.minBatch || options.maxBatch < options.optBatch) {
    throw Napi::RangeError::New(env, "batch profile must satisfy 1 <= minBatch <= optBatch <= maxBatch, got " + std::to_string(options.minBatch) + ", " +
                                         std::to_string(options.optBatch) + ", " + std::to_string(options.maxBatch));
  }
  if (options.precision != "fp32" && options.precision != "fp16" && options.precision != "int8") {
    throw Napi::TypeError::New(env, "precision must be fp32, fp16 or int8, got " + options.precision);
  }
  Napi::Value shapes = o.Get("inputShapes");
  if (shapes.IsObject()) {
    Napi::Object map = shapes.As<Napi::Object>();
    Napi::Array names = map.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); ++i) {
      std::string name = names.Get(i).As<Napi::String>();
      Napi::Value entry = map.Get(name);
      if (!entry.IsObject()) throw Napi::TypeError::New(env, "inputShapes." + name + " must be { min, opt, max }");
      Napi::Object shape = entry.As<Napi::Object>();
      options.inputShapes[name] = ProfileDims{readDims(shape.Get("min"), name + ".min"), readDims(shape.Get("opt"), name + ".opt"), readDims(shape.Get("max"), name + ".max")};
    }
  }
  Napi::Value timing = o.Get("timingCache");
  if (timing.IsTypedArray()) {
    auto bytes = timing.As<Napi::Uint8Array>();
    options.timingCache.assign(bytes.Data(), bytes.Data() + bytes.ByteLength());
  }
  return options;
}

}  // namespace

Napi::Value BuildEngine(Napi::CallbackInfo const& info) {
  auto* worker = new BuildWorker(info.Env(), parseOptions(info));
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // the worker deletes itself after OnOK/OnError
  return promise;
}

}  // namespace arcedge
