// A recurrent kernel call parsed from JS: the arguments object is read field by field, by name, through one
// table per direction (kForwardFields / kBackwardFields in calls.cc) that says each array's length, whether it
// is written, whether it may be null and whether only LSTM takes it — the same table, in the same order, as
// src/backend/native-checks.ts, so the TS checks and these agree message for message.
#pragma once

#include <napi.h>

#include <cstdint>
#include <vector>

#include "args.h"
#include "kernels/recurrent.h"

namespace fastrnn {

struct Job {
  bool forward = true;
  Cell cell = Cell::RnnTanh;
  ForwardArgs f{};
  BackwardArgs b{};
  std::vector<std::int32_t> lengths;  // copied from the call (SeqArgs::lengths points here)
  int threads = 1;
  std::vector<F32> arrays;  // the typed arrays the call reads and writes (pinned while it runs)

  // Runs the kernel; one call at a time (ThreadPool::call_mutex).
  void run() const;
};

// Parses recurrentForward(cell, args, threads?) / recurrentBackward(...): throws a JS TypeError/RangeError
// naming the argument, what was expected and what was received.
Job parse_forward(const Napi::CallbackInfo& info, const char* where, int default_threads);
Job parse_backward(const Napi::CallbackInfo& info, const char* where, int default_threads);

}  // namespace fastrnn
