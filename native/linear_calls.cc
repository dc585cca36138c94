// Linear calls from JS, by name (see linear_calls.h).
#include "linear_calls.h"

#include <mutex>
#include <string>
#include <vector>

#include "args.h"
#include "kernels/denormals.h"
#include "kernels/dispatch.h"
#include "kernels/linear.h"
#include "kernels/threads.h"

namespace fastrnn {
namespace {

constexpr std::int64_t kMaxSize = (std::int64_t{1} << 53) - 1;

// How long an array must be: Y = M·N, X = M·K, W = N·K, Bias = N.
enum class Extent { Y, X, W, Bias };

template <class Args>
struct Field {
  const char* name;
  Extent extent;
  bool output;
  bool nullable;
  float* Args::*out;
  const float* Args::*in;
};

const Field<LinearForwardArgs> kForward[] = {
    {"y", Extent::Y, true, false, &LinearForwardArgs::y, nullptr},
    {"x", Extent::X, false, false, nullptr, &LinearForwardArgs::x},
    {"weight", Extent::W, false, false, nullptr, &LinearForwardArgs::w},
    {"bias", Extent::Bias, false, true, nullptr, &LinearForwardArgs::b},
};

const Field<LinearBackwardArgs> kBackward[] = {
    {"dx", Extent::X, true, true, &LinearBackwardArgs::dx, nullptr},
    {"dWeight", Extent::W, true, false, &LinearBackwardArgs::dw, nullptr},
    {"dBias", Extent::Bias, true, true, &LinearBackwardArgs::db, nullptr},
    {"dy", Extent::Y, false, false, nullptr, &LinearBackwardArgs::dy},
    {"x", Extent::X, false, false, nullptr, &LinearBackwardArgs::x},
    {"weight", Extent::W, false, false, nullptr, &LinearBackwardArgs::w},
};

template <class Args, std::size_t N>
Args parse(const Napi::CallbackInfo& info, const char* where, const Field<Args> (&fields)[N], int* threads,
           int default_threads) {
  ArgReader r(info.Env(), where);
  Napi::Object o = r.object(info[0], "args");
  Args a{};
  a.M = r.integer(o.Get("M"), "M", 1, kMaxSize);
  a.N = r.integer(o.Get("N"), "N", 1, kMaxSize);
  a.K = r.integer(o.Get("K"), "K", 1, kMaxSize);
  std::uint64_t y = 0, x = 0, w = 0;
  if (!mul_ok(a.M, a.N, &y) || !mul_ok(a.M, a.K, &x) || !mul_ok(a.N, a.K, &w)) {
    r.range_error("sizes M=" + std::to_string(a.M) + " N=" + std::to_string(a.N) + " K=" + std::to_string(a.K) +
                  " describe arrays larger than 2^53 elements");
  }
  *threads = info.Length() > 1 && !info[1].IsUndefined() ? static_cast<int>(r.integer(info[1], "threads", 1, 1024))
                                                         : default_threads;
  std::vector<F32> arrays;
  for (const Field<Args>& f : fields) {
    const std::uint64_t length = f.extent == Extent::Y ? y : f.extent == Extent::X ? x : f.extent == Extent::W ? w
                                                                                                             : static_cast<std::uint64_t>(a.N);
    F32 v = r.f32(o.Get(f.name), f.name, length, f.nullable, f.output);
    if (f.out) a.*(f.out) = v.data;
    else a.*(f.in) = v.data;
    arrays.push_back(std::move(v));
  }
  std::vector<const F32*> all;
  for (const F32& v : arrays) all.push_back(&v);
  r.check_no_overlap(all);
  return a;
}

}  // namespace

void run_linear_forward(const Napi::CallbackInfo& info, int default_threads) {
  int threads = default_threads;
  const LinearForwardArgs a = parse(info, "linearForward", kForward, &threads, default_threads);
  const ScopedFlushDenormals ftz;  // denormals.h
  ThreadPool& pool = ThreadPool::global();
  std::lock_guard<std::mutex> lock(pool.call_mutex());
  linear_forward(Context{active_ops(), &pool, threads}, a);
}

void run_linear_backward(const Napi::CallbackInfo& info, int default_threads) {
  int threads = default_threads;
  const LinearBackwardArgs a = parse(info, "linearBackward", kBackward, &threads, default_threads);
  const ScopedFlushDenormals ftz;  // denormals.h
  ThreadPool& pool = ThreadPool::global();
  std::lock_guard<std::mutex> lock(pool.call_mutex());
  linear_backward(Context{active_ops(), &pool, threads}, a);
}

}  // namespace fastrnn
