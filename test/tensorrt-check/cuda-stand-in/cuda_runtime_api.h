// A stand-in for CUDA's <cuda_runtime_api.h>, written for arcedge's TensorRT compile check
// (scripts/check-tensorrt.sh) and used by nothing else. CUDA's own headers are not under a
// free licence, so this declares only what sdk/native/tensorrt/src and the TensorRT 10.3.0
// headers use, with the shapes the CUDA Runtime API reference documents: opaque struct
// pointers for streams and events, plain C enums, C linkage, cudaError_t returns. It is a
// compile check only: nothing here is defined, nothing links against it, and a real build
// (sdk/native/tensorrt/build.sh) uses the device's CUDA headers instead.
//
// Keep it no looser than the real header: a call that compiles here must compile against
// CUDA. Add a declaration only when the addon starts to use it, copying its documented
// signature (https://docs.nvidia.com/cuda/cuda-runtime-api/).
#ifndef ARCEDGE_CUDA_RUNTIME_API_STAND_IN_H
#define ARCEDGE_CUDA_RUNTIME_API_STAND_IN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Only the members the addon names; the real enum lists every error code.
enum cudaError {
  cudaSuccess = 0,
  cudaErrorNoDevice = 100
};
typedef enum cudaError cudaError_t;

enum cudaMemcpyKind {
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2
};

// Opaque handles, as in CUDA's driver_types.h: TensorRT's headers take cudaStream_t
// (enqueueV3, IGpuAllocator) and cudaEvent_t (setInputConsumedEvent) by value.
typedef struct CUstream_st* cudaStream_t;
typedef struct CUevent_st* cudaEvent_t;

// The real struct has ~90 members; these are the ones the addon reads (addon.cc Info()).
// The field types follow the CUDA reference: name is char[256], totalGlobalMem size_t,
// multiProcessorCount int.
struct cudaDeviceProp {
  char name[256];
  size_t totalGlobalMem;
  int major;
  int minor;
  int integrated;
  int multiProcessorCount;
};

#define cudaHostAllocDefault 0x00
#define cudaStreamNonBlocking 0x01
#define cudaEventBlockingSync 0x01
#define cudaEventDisableTiming 0x02

char const* cudaGetErrorName(cudaError_t error);
char const* cudaGetErrorString(cudaError_t error);

cudaError_t cudaRuntimeGetVersion(int* runtimeVersion);
cudaError_t cudaDriverGetVersion(int* driverVersion);
cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp* prop, int device);
cudaError_t cudaSetDevice(int device);

cudaError_t cudaMalloc(void** devPtr, size_t size);
cudaError_t cudaFree(void* devPtr);
cudaError_t cudaHostAlloc(void** pHost, size_t size, unsigned int flags);
cudaError_t cudaFreeHost(void* ptr);
cudaError_t cudaMemcpyAsync(void* dst, void const* src, size_t count, enum cudaMemcpyKind kind, cudaStream_t stream);

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* pStream, unsigned int flags);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaStreamDestroy(cudaStream_t stream);

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaEventDestroy(cudaEvent_t event);

#ifdef __cplusplus
}
#endif

#endif  // ARCEDGE_CUDA_RUNTIME_API_STAND_IN_H
