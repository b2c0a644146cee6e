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

std::vector<int64_t> readDims(Napi::Value value, std::string const& what) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), what + " must be an array of integers");
  auto array = value.As<Napi::Array>();
  std::vector<int64_t> dims;
  for (uint32_t i = 0; i < array.Length(); ++i) dims.push_back(array.Get(i).As<Napi::Number>().Int64Value());
  return dims;
}

nvinfer1::Dims toDims(std::vector<int64_t> const& values) {
  nvinfer1::Dims dims{};
  dims.nbDims = static_cast<int32_t>(values.size());
  for (size_t i = 0; i < values.size() && i < static_cast<size_t>(nvinfer1::Dims::MAX_DIMS); ++i) {
    // Dims::d is int32_t before TensorRT 10 and int64_t from 10 on.
    dims.d[i] = static_cast<decltype(dims.d[0] + 0)>(values[i]);
  }
  return dims;
}

std::string dimsText(nvinfer1::Dims const& dims) {
  std::string text = "[";
  for (int32_t i = 0; i < dims.nbDims; ++i) text += (i ? ", " : "") + std::to_string(static_cast<int64_t>(dims.d[i]));
  return text + "]";
}

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
    deferred_.Resolve(result);
  }

  void OnError(Napi::Error const& error) override { deferred_.Reject(error.Value()); }

 private:
  void Build() {
    checkCuda(cudaSetDevice(options_.device), "cudaSetDevice");
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
      if (builder->getNbDLACores() <= options_.dlaCore) {
        throw std::runtime_error("DLA core " + std::to_string(options_.dlaCore) + " asked for, this device has " + std::to_string(builder->getNbDLACores()));
      }
      config->setDefaultDeviceType(nvinfer1::DeviceType::kDLA);
      config->setDLACore(options_.dlaCore);
      config->setFlag(nvinfer1::BuilderFlag::kGPU_FALLBACK);
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

  // One optimisation profile: a dynamic leading axis is the batch [min, opt, max]; any other
  // dynamic axis needs an explicit shape from the caller (tensorrt.inputShapes).
  void AddProfile(nvinfer1::IBuilder& builder, nvinfer1::INetworkDefinition& network, nvinfer1::IBuilderConfig& config) {
    nvinfer1::IOptimizationProfile* profile = builder.createOptimizationProfile();
    bool dynamic = false;
    for (int32_t i = 0; i < network.getNbInputs(); ++i) {
      nvinfer1::ITensor* input = network.getInput(i);
      std::string const name = input->getName();
      nvinfer1::Dims const declared = input->getDimensions();
      nvinfer1::Dims minDims = declared, optDims = declared, maxDims = declared;
      auto explicitShape = options_.inputShapes.find(name);
      if (explicitShape != options_.inputShapes.end()) {
        ProfileDims const& shape = explicitShape->second;
        for (auto const* dims : {&shape.min, &shape.opt, &shape.max}) {
          if (static_cast<int32_t>(dims->size()) != declared.nbDims) {
            throw std::runtime_error("inputShapes." + name + " has rank " + std::to_string(dims->size()) + ", the model declares " + dimsText(declared));
          }
        }
        minDims = toDims(shape.min);
        optDims = toDims(shape.opt);
        maxDims = toDims(shape.max);
        dynamic = true;
      } else {
        for (int32_t axis = 0; axis < declared.nbDims; ++axis) {
          if (declared.d[axis] >= 0) continue;
          if (axis != 0) {
            throw std::runtime_error("input " + name + " " + dimsText(declared) + " has dynamic axis " + std::to_string(axis) +
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
        throw std::runtime_error("TensorRT rejected the profile for " + name + ": min " + dimsText(minDims) + " opt " + dimsText(optDims) + " max " + dimsText(maxDims));
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
  if (options.precision != "fp32" && options.precision != "fp16" && options.precision != "int8") {
    throw Napi::TypeError::New(env, "precision must be fp32, fp16 or int8, got " + options.precision);
  }
  Napi::Value shapes = o.Get("inputShapes");
  if (shapes.IsObject()) {
    Napi::Object map = shapes.As<Napi::Object>();
    Napi::Array names = map.GetPropertyNames();
    for (uint32_t i = 0; i < names.Length(); ++i) {
      std::string name = names.Get(i).As<Napi::String>();
      Napi::Object shape = map.Get(name).As<Napi::Object>();
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
