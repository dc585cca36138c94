// The N-API seam: with calls.cc (the by-name argument tables), the only code that knows about JavaScript.
// It validates every argument (again — the TS adapter checks first), wraps Float32Arrays without copying, runs the kernels synchronously or on a libuv
// worker (Napi::AsyncWorker, the typed arrays pinned by references) and maps every failure to a JS error.
//
// Concurrency: one kernel call runs at a time (ThreadPool::call_mutex). A second call — sync or async,
// on the same buffers or not — waits for the first to finish, so calls never race; a sync call made while
// an async one runs blocks the JS thread until the async one is done. Detaching (transferring) an array
// while an async call that uses it runs is not supported: the promise then rejects, and the memory may
// already have been written.
#include <napi.h>

#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "args.h"
#include "calls.h"
#include "linear_calls.h"
#include "kernels/dispatch.h"
#include "kernels/gemm/gemm.h"
#include "kernels/threads.h"

namespace fastrnn {
namespace {

constexpr std::int64_t kMaxSize = (std::int64_t{1} << 53) - 1;
std::atomic<int> g_default_threads{1};

int parse_threads(const ArgReader& r, const Napi::CallbackInfo& info, std::size_t index) {
  if (info.Length() <= index || info[index].IsUndefined()) return g_default_threads.load();
  return static_cast<int>(r.integer(info[index], "threads", 1, 1024));
}

// Runs f, turning C++ exceptions that are not already JS errors into JS errors (never std::terminate).
template <class F>
Napi::Value guarded(const Napi::CallbackInfo& info, F&& f) {
  try {
    return f();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(info.Env(), "fastrnn native: out of memory for this call's scratch buffers");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("fastrnn native: ") + e.what());
  }
}

Napi::Value RecurrentForward(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    parse_forward(info, "recurrentForward", g_default_threads.load()).run();
    return info.Env().Undefined();
  });
}

Napi::Value RecurrentBackward(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    parse_backward(info, "recurrentBackward", g_default_threads.load()).run();
    return info.Env().Undefined();
  });
}

class RecurrentWorker : public Napi::AsyncWorker {
 public:
  RecurrentWorker(Napi::Env env, Job job)
      : Napi::AsyncWorker(env, "fastrnn:recurrent"), deferred_(Napi::Promise::Deferred::New(env)), job_(std::move(job)) {
    for (const F32& a : job_.arrays) {
      if (!a.data) continue;
      refs_.push_back(Napi::Persistent(a.value.As<Napi::Object>()));
    }
  }
  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      job_.run();
    } catch (const std::bad_alloc&) {
      SetError("fastrnn native: out of memory for this call's scratch buffers");
    } catch (const std::exception& e) {
      SetError(std::string("fastrnn native: ") + e.what());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    for (Napi::ObjectReference& ref : refs_) {
      Napi::Value buf = ref.Value().Get("buffer");
      if (buf.IsArrayBuffer() && buf.As<Napi::ArrayBuffer>().IsDetached()) {
        deferred_.Reject(Napi::Error::New(env, "fastrnn native: an array was detached (transferred) while the "
                                               "async call ran; its results are lost")
                             .Value());
        return;
      }
    }
    deferred_.Resolve(env.Undefined());
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Job job_;
  std::vector<Napi::ObjectReference> refs_;
};

Napi::Value RecurrentForwardAsync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto* w = new RecurrentWorker(info.Env(), parse_forward(info, "recurrentForwardAsync", g_default_threads.load()));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value RecurrentBackwardAsync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto* w = new RecurrentWorker(info.Env(), parse_backward(info, "recurrentBackwardAsync", g_default_threads.load()));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value LinearForward(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    run_linear_forward(info, g_default_threads.load());
    return info.Env().Undefined();
  });
}

Napi::Value LinearBackward(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    run_linear_backward(info, g_default_threads.load());
    return info.Env().Undefined();
  });
}

// matmul(c, a, b, M, N, K, threads?): C[M,N] = A[M,K] · B[K,N], row-major — the plain GEMM, for benchmarks
// (the machine's peak) and tests of the driver's edge handling.
Napi::Value Matmul(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    ArgReader r(info.Env(), "matmul");
    const std::int64_t M = r.integer(info[3], "M", 1, kMaxSize);
    const std::int64_t N = r.integer(info[4], "N", 1, kMaxSize);
    const std::int64_t K = r.integer(info[5], "K", 1, kMaxSize);
    std::uint64_t mn = 0, mk = 0, kn = 0;
    if (!mul_ok(M, N, &mn) || !mul_ok(M, K, &mk) || !mul_ok(K, N, &kn)) r.range_error("sizes too large");
    const int threads = parse_threads(r, info, 6);
    F32 c = r.f32(info[0], "c", mn, false, true);
    F32 a = r.f32(info[1], "a", mk, false, false);
    F32 b = r.f32(info[2], "b", kn, false, false);
    r.check_no_overlap({&c, &a, &b});
    ThreadPool& pool = ThreadPool::global();
    std::lock_guard<std::mutex> lock(pool.call_mutex());
    const Context ctx{active_ops(), &pool, threads};
    AlignedBuf bp(packed_b_size(*ctx.ops, K, N));
    ctx.ops->pack_b(ctx, MatView{b.data, N, 1}, K, N, bp.data());
    ctx.ops->gemm(ctx, M, N, K, MatView{a.data, K, 1}, bp.data(), c.data, N, false, nullptr);
    return info.Env().Undefined();
  });
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    ArgReader r(info.Env(), "setThreads");
    g_default_threads.store(static_cast<int>(r.integer(info[0], "threads", 1, 1024)));
    return info.Env().Undefined();
  });
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), g_default_threads.load()); }

Napi::Value SimdPath(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), active_ops()->name); }

Napi::Value SetSimdPath(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    ArgReader r(info.Env(), "setSimdPath");
    if (!info[0].IsString()) r.type_error("expected \"avx512\", \"avx2\" or \"baseline\", received " + ArgReader::describe(info[0]));
    ThreadPool& pool = ThreadPool::global();
    std::lock_guard<std::mutex> lock(pool.call_mutex());  // never switch under a running call
    std::string error;
    if (!select_path(info[0].As<Napi::String>().Utf8Value(), &error)) r.range_error(error);
    return info.Env().Undefined();
  });
}

Napi::Value SimdPaths(const Napi::CallbackInfo& info) {
  std::vector<std::string> paths = supported_paths();
  Napi::Array out = Napi::Array::New(info.Env(), paths.size());
  for (std::size_t i = 0; i < paths.size(); i++) out.Set(static_cast<uint32_t>(i), paths[i]);
  return out;
}

Napi::Value CpuFeaturesJs(const Napi::CallbackInfo& info) {
  const CpuFeatures& f = cpu_features();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("x86", f.x86);
  o.Set("sse2", f.sse2);
  o.Set("avx", f.avx);
  o.Set("fma", f.fma);
  o.Set("avx2", f.avx2);
  o.Set("avx512f", f.avx512f);
  o.Set("osAvx", f.os_avx);
  o.Set("osAvx512", f.os_avx512);
  o.Set("hardwareThreads", static_cast<double>(std::thread::hardware_concurrency()));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  std::string error;
  if (!init_paths_from_env(&error)) throw Napi::Error::New(env, "fastrnn native: " + error);
  unsigned hw = std::thread::hardware_concurrency();
  g_default_threads.store(hw == 0 ? 1 : static_cast<int>(hw > 1024 ? 1024 : hw));
  exports.Set("recurrentForward", Napi::Function::New(env, RecurrentForward, "recurrentForward"));
  exports.Set("recurrentBackward", Napi::Function::New(env, RecurrentBackward, "recurrentBackward"));
  exports.Set("recurrentForwardAsync", Napi::Function::New(env, RecurrentForwardAsync, "recurrentForwardAsync"));
  exports.Set("recurrentBackwardAsync", Napi::Function::New(env, RecurrentBackwardAsync, "recurrentBackwardAsync"));
  exports.Set("linearForward", Napi::Function::New(env, LinearForward, "linearForward"));
  exports.Set("linearBackward", Napi::Function::New(env, LinearBackward, "linearBackward"));
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("simdPath", Napi::Function::New(env, SimdPath, "simdPath"));
  exports.Set("setSimdPath", Napi::Function::New(env, SetSimdPath, "setSimdPath"));
  exports.Set("simdPaths", Napi::Function::New(env, SimdPaths, "simdPaths"));
  exports.Set("cpuFeatures", Napi::Function::New(env, CpuFeaturesJs, "cpuFeatures"));
  exports.Set("abiVersion", Napi::Number::New(env, 2));
  return exports;
}

}  // namespace
}  // namespace fastrnn

static Napi::Object InitFastrnn(Napi::Env env, Napi::Object exports) { return fastrnn::Init(env, exports); }

NODE_API_MODULE(fastrnn, InitFastrnn)
