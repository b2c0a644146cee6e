#pragma once
#include <napi.h>

namespace arcedge {
// new Engine(plan: Uint8Array, { device, dlaCore }) with io(), run(feeds) -> Promise, dispose().
Napi::Function DefineEngineClass(Napi::Env env);
}  // namespace arcedge
