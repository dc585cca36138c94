// The seam for the Linear kernels: linearForward(args, threads?) / linearBackward(args, threads?), read by
// name through one table per direction (the same fields, order and rules as native-checks.ts).
#pragma once

#include <napi.h>

namespace fastrnn {

// Runs the call synchronously (it is small: a model's head), one kernel call at a time like every call.
void run_linear_forward(const Napi::CallbackInfo& info, int default_threads);
void run_linear_backward(const Napi::CallbackInfo& info, int default_threads);

}  // namespace fastrnn
