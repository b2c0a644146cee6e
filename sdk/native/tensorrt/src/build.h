#pragma once
#include <napi.h>

namespace arcedge {
// buildEngine(onnxPath, options) -> Promise<{ engine: Buffer, timingCache: Buffer | null, log: string[] }>
Napi::Value BuildEngine(Napi::CallbackInfo const& info);
}  // namespace arcedge
