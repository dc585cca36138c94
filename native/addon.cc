// The N-API seam: the only file that knows about JavaScript. It validates every argument (again — the TS
// adapter checks first), wraps Float32Arrays without copying, runs the kernels synchronously or on a libuv
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
#include "kernels/dispatch.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gru.h"
#include "kernels/lstm.h"
#include "kernels/rnn.h"
#include "kernels/threads.h"

namespace fastrnn {
namespace {

constexpr std::int64_t kMaxSize = (std::int64_t{1} << 53) - 1;
std::atomic<int> g_default_threads{1};

enum class Cell { RnnTanh, RnnRelu, Lstm, Gru };

// A parsed, validated call: the kernel arguments plus the JS arrays to pin while it runs.
struct Job {
  bool forward = true;
  Cell cell = Cell::RnnTanh;
  RnnForwardArgs f{};
  RnnBackwardArgs b{};
  LstmForwardArgs lf{};
  LstmBackwardArgs lb{};
  GruForwardArgs gf{};
  GruBackwardArgs gb{};
  int threads = 1;
  std::vector<F32> arrays;

  void run() const {
    ThreadPool& pool = ThreadPool::global();
    std::lock_guard<std::mutex> lock(pool.call_mutex());
    const Context ctx{active_ops(), &pool, threads};
    switch (cell) {
      case Cell::Lstm:
        if (forward) lstm_forward(ctx, lf);
        else lstm_backward(ctx, lb);
        return;
      case Cell::Gru:
        if (forward) gru_forward(ctx, gf);
        else gru_backward(ctx, gb);
        return;
      default: {
        const RnnAct act = cell == Cell::RnnRelu ? RnnAct::Relu : RnnAct::Tanh;
        if (forward) rnn_forward(ctx, act, f);
        else rnn_backward(ctx, act, b);
      }
    }
  }
};

constexpr const char* kCells = "\"rnn_tanh\", \"rnn_relu\", \"lstm\" or \"gru\"";

Cell parse_cell(const ArgReader& r, const Napi::Value& v) {
  if (!v.IsString()) r.type_error(std::string("cell: expected ") + kCells + ", received " + ArgReader::describe(v));
  const std::string cell = v.As<Napi::String>().Utf8Value();
  if (cell == "rnn_tanh") return Cell::RnnTanh;
  if (cell == "rnn_relu") return Cell::RnnRelu;
  if (cell == "lstm") return Cell::Lstm;
  if (cell == "gru") return Cell::Gru;
  r.range_error(std::string("cell: expected ") + kCells + ", received \"" + cell.substr(0, 40) + "\"");
}

int gates_of(Cell c) { return c == Cell::Lstm ? 4 : c == Cell::Gru ? 3 : 1; }

int parse_threads(const ArgReader& r, const Napi::CallbackInfo& info, std::size_t index) {
  if (info.Length() <= index || info[index].IsUndefined()) return g_default_threads.load();
  return static_cast<int>(r.integer(info[index], "threads", 1, 1024));
}

// Array lengths of one call. G = gates per cell; cache = backend.ts cacheSize (T·B·5H LSTM, T·B·4H GRU,
// 0 RNN).
struct Sizes {
  std::int64_t T, B, I, H;
  std::uint64_t tbi, tbh, bh, g, gi, gh, cache;
};

Sizes parse_sizes(const ArgReader& r, const Napi::Object& o, Cell cell) {
  Sizes s{};
  s.T = r.integer(o.Get("T"), "T", 0, kMaxSize);
  s.B = r.integer(o.Get("B"), "B", 1, kMaxSize);
  s.I = r.integer(o.Get("I"), "I", 1, kMaxSize);
  s.H = r.integer(o.Get("H"), "H", 1, kMaxSize);
  const std::uint64_t G = static_cast<std::uint64_t>(gates_of(cell));
  const std::uint64_t per_step = cell == Cell::Lstm ? 5 : cell == Cell::Gru ? 4 : 0;
  std::uint64_t tb = 0, tbh = 0;
  if (!mul_ok(s.T, s.B, &tb) || !mul_ok(tb, s.I, &s.tbi) || !mul_ok(tb, s.H, &s.tbh) || !mul_ok(s.B, s.H, &s.bh) ||
      !mul_ok(G, s.H, &s.g) || !mul_ok(s.g, s.I, &s.gi) || !mul_ok(s.g, s.H, &s.gh) || !mul_ok(tb, s.H, &tbh) ||
      !mul_ok(tbh, per_step, &s.cache)) {
    r.range_error("sizes T=" + std::to_string(s.T) + " B=" + std::to_string(s.B) + " I=" + std::to_string(s.I) +
                  " H=" + std::to_string(s.H) + " describe arrays larger than 2^53 elements");
  }
  return s;
}

// Cells without a cell state (RNN, GRU): the LSTM-only fields must be absent.
void expect_absent(const ArgReader& r, const Napi::Object& o, const char* name, Cell cell) {
  Napi::Value v = o.Get(name);
  if (!v.IsNull() && !v.IsUndefined()) {
    r.type_error(std::string(name) + ": expected null for " + (cell == Cell::Gru ? "a GRU" : "an RNN") +
                 " cell (LSTM only), received " + ArgReader::describe(v));
  }
}

void check_overlap(const ArgReader& r, const std::vector<F32>& a) {
  std::vector<const F32*> all;
  for (const F32& x : a) all.push_back(&x);
  r.check_no_overlap(all);
}

Job parse_forward(const Napi::CallbackInfo& info, const std::string& where) {
  ArgReader r(info.Env(), where);
  Job job;
  job.forward = true;
  job.cell = parse_cell(r, info[0]);
  const bool lstm = job.cell == Cell::Lstm;
  Napi::Object o = r.object(info[1], "args");
  const Sizes s = parse_sizes(r, o, job.cell);
  job.threads = parse_threads(r, info, 2);
  const bool reverse = r.boolean(o.Get("reverse"), "reverse");
  if (!lstm) {
    expect_absent(r, o, "cN", job.cell);
    expect_absent(r, o, "c0", job.cell);
  }
  auto& a = job.arrays;
  a.push_back(r.f32(o.Get("y"), "y", s.tbh, false, true));
  a.push_back(r.f32(o.Get("hN"), "hN", s.bh, false, true));
  a.push_back(r.f32(o.Get("x"), "x", s.tbi, false, false));
  a.push_back(r.f32(o.Get("h0"), "h0", s.bh, true, false));
  a.push_back(r.f32(o.Get("weightIh"), "weightIh", s.gi, false, false));
  a.push_back(r.f32(o.Get("weightHh"), "weightHh", s.gh, false, false));
  a.push_back(r.f32(o.Get("biasIh"), "biasIh", s.g, true, false));
  a.push_back(r.f32(o.Get("biasHh"), "biasHh", s.g, true, false));
  // cache: null when not training (RNN: null or empty, it keeps nothing).
  a.push_back(r.f32(o.Get("cache"), "cache", s.cache, true, true));
  if (lstm) {
    a.push_back(r.f32(o.Get("cN"), "cN", s.bh, true, true));
    a.push_back(r.f32(o.Get("c0"), "c0", s.bh, true, false));
  }
  check_overlap(r, a);
  if (job.cell == Cell::Lstm) {
    job.lf = LstmForwardArgs{s.T, s.B, s.I, s.H, reverse, a[0].data, a[1].data, a[9].data, a[8].data, a[2].data,
                             a[3].data, a[10].data, a[4].data, a[5].data, a[6].data, a[7].data};
  } else if (job.cell == Cell::Gru) {
    job.gf = GruForwardArgs{s.T, s.B, s.I, s.H, reverse, a[0].data, a[1].data, a[8].data, a[2].data,
                            a[3].data, a[4].data, a[5].data, a[6].data, a[7].data};
  } else {
    job.f = RnnForwardArgs{s.T, s.B, s.I, s.H, reverse, a[0].data, a[1].data, a[2].data, a[3].data,
                           a[4].data, a[5].data, a[6].data, a[7].data};
  }
  return job;
}

Job parse_backward(const Napi::CallbackInfo& info, const std::string& where) {
  ArgReader r(info.Env(), where);
  Job job;
  job.forward = false;
  job.cell = parse_cell(r, info[0]);
  const bool lstm = job.cell == Cell::Lstm;
  Napi::Object o = r.object(info[1], "args");
  const Sizes s = parse_sizes(r, o, job.cell);
  job.threads = parse_threads(r, info, 2);
  const bool reverse = r.boolean(o.Get("reverse"), "reverse");
  if (!lstm) {
    expect_absent(r, o, "dc0", job.cell);
    expect_absent(r, o, "dcN", job.cell);
    expect_absent(r, o, "c0", job.cell);
  }
  auto& a = job.arrays;
  a.push_back(r.f32(o.Get("dx"), "dx", s.tbi, false, true));
  a.push_back(r.f32(o.Get("dh0"), "dh0", s.bh, false, true));
  a.push_back(r.f32(o.Get("dWeightIh"), "dWeightIh", s.gi, false, true));
  a.push_back(r.f32(o.Get("dWeightHh"), "dWeightHh", s.gh, false, true));
  a.push_back(r.f32(o.Get("dBiasIh"), "dBiasIh", s.g, true, true));
  a.push_back(r.f32(o.Get("dBiasHh"), "dBiasHh", s.g, true, true));
  a.push_back(r.f32(o.Get("dy"), "dy", s.tbh, true, false));
  a.push_back(r.f32(o.Get("dhN"), "dhN", s.bh, true, false));
  a.push_back(r.f32(o.Get("x"), "x", s.tbi, false, false));
  a.push_back(r.f32(o.Get("h0"), "h0", s.bh, true, false));
  a.push_back(r.f32(o.Get("weightIh"), "weightIh", s.gi, false, false));
  a.push_back(r.f32(o.Get("weightHh"), "weightHh", s.gh, false, false));
  a.push_back(r.f32(o.Get("y"), "y", s.tbh, false, false));
  // cache: what the forward kept — required by LSTM and GRU (unless it is empty, T = 0).
  a.push_back(r.f32(o.Get("cache"), "cache", s.cache, s.cache == 0, false));
  if (lstm) {
    a.push_back(r.f32(o.Get("dc0"), "dc0", s.bh, true, true));
    a.push_back(r.f32(o.Get("dcN"), "dcN", s.bh, true, false));
    a.push_back(r.f32(o.Get("c0"), "c0", s.bh, true, false));
  }
  check_overlap(r, a);
  if (job.cell == Cell::Lstm) {
    job.lb = LstmBackwardArgs{s.T,       s.B,       s.I,       s.H,        reverse,   a[0].data,  a[1].data,
                              a[14].data, a[2].data, a[3].data, a[4].data,  a[5].data, a[6].data,  a[7].data,
                              a[15].data, a[8].data, a[9].data, a[16].data, a[10].data, a[11].data, a[12].data,
                              a[13].data};
  } else if (job.cell == Cell::Gru) {
    job.gb = GruBackwardArgs{s.T,       s.B,       s.I,       s.H,       reverse,    a[0].data,  a[1].data,
                             a[2].data, a[3].data, a[4].data, a[5].data, a[6].data,  a[7].data,  a[8].data,
                             a[9].data, a[10].data, a[11].data, a[12].data, a[13].data};
  } else {
    job.b = RnnBackwardArgs{s.T, s.B, s.I, s.H, reverse, a[0].data, a[1].data, a[2].data, a[3].data, a[4].data,
                            a[5].data, a[6].data, a[7].data, a[8].data, a[9].data, a[10].data, a[11].data, a[12].data};
  }
  return job;
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
    parse_forward(info, "recurrentForward").run();
    return info.Env().Undefined();
  });
}

Napi::Value RecurrentBackward(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    parse_backward(info, "recurrentBackward").run();
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
    auto* w = new RecurrentWorker(info.Env(), parse_forward(info, "recurrentForwardAsync"));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value RecurrentBackwardAsync(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    auto* w = new RecurrentWorker(info.Env(), parse_backward(info, "recurrentBackwardAsync"));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
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
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  exports.Set("simdPath", Napi::Function::New(env, SimdPath, "simdPath"));
  exports.Set("setSimdPath", Napi::Function::New(env, SetSimdPath, "setSimdPath"));
  exports.Set("simdPaths", Napi::Function::New(env, SimdPaths, "simdPaths"));
  exports.Set("cpuFeatures", Napi::Function::New(env, CpuFeaturesJs, "cpuFeatures"));
  exports.Set("abiVersion", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace
}  // namespace fastrnn

static Napi::Object InitFastrnn(Napi::Env env, Napi::Object exports) { return fastrnn::Init(env, exports); }

NODE_API_MODULE(fastrnn, InitFastrnn)
