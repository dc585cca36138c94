// The by-name seam between the JS arguments object and the kernels' argument structs (see calls.h).
#include "calls.h"

#include <mutex>
#include <string>

#include "kernels/denormals.h"
#include "kernels/dispatch.h"
#include "kernels/threads.h"

namespace fastrnn {
namespace {

constexpr std::int64_t kMaxSize = (std::int64_t{1} << 53) - 1;

// How long an array must be, in terms of the call's sizes (backend.ts).
enum class Extent { X, Y, State, CellState, WeightIh, WeightHh, WeightHr, Bias, Cache };
// WhenEmpty: may be null only when its length is 0. Projection: required with a projection (P < H), else null.
enum class Null { Never, Allowed, WhenEmpty, Projection };

template <class Args>
struct Field {
  const char* name;
  Extent extent;
  bool output;
  Null null;
  bool lstm_only;
  float* Args::*out;       // set for outputs
  const float* Args::*in;  // set for inputs
};

using FF = Field<ForwardArgs>;
using BF = Field<BackwardArgs>;
constexpr bool kOut = true, kIn = false;

// Order = check order (native-checks.ts lists the same fields in the same order).
const FF kForwardFields[] = {
    {"y", Extent::Y, kOut, Null::Never, false, &ForwardArgs::y, nullptr},
    {"hN", Extent::State, kOut, Null::Never, false, &ForwardArgs::hN, nullptr},
    {"x", Extent::X, kIn, Null::Never, false, nullptr, &ForwardArgs::x},
    {"h0", Extent::State, kIn, Null::Allowed, false, nullptr, &ForwardArgs::h0},
    {"weightIh", Extent::WeightIh, kIn, Null::Never, false, nullptr, &ForwardArgs::w_ih},
    {"weightHh", Extent::WeightHh, kIn, Null::Never, false, nullptr, &ForwardArgs::w_hh},
    {"biasIh", Extent::Bias, kIn, Null::Allowed, false, nullptr, &ForwardArgs::b_ih},
    {"biasHh", Extent::Bias, kIn, Null::Allowed, false, nullptr, &ForwardArgs::b_hh},
    {"cache", Extent::Cache, kOut, Null::Allowed, false, &ForwardArgs::cache, nullptr},
    {"cN", Extent::CellState, kOut, Null::Allowed, true, &ForwardArgs::cN, nullptr},
    {"c0", Extent::CellState, kIn, Null::Allowed, true, nullptr, &ForwardArgs::c0},
    {"weightHr", Extent::WeightHr, kIn, Null::Projection, true, nullptr, &ForwardArgs::w_hr},
};

const BF kBackwardFields[] = {
    {"dx", Extent::X, kOut, Null::Allowed, false, &BackwardArgs::dx, nullptr},
    {"dh0", Extent::State, kOut, Null::Never, false, &BackwardArgs::dh0, nullptr},
    {"dWeightIh", Extent::WeightIh, kOut, Null::Never, false, &BackwardArgs::dw_ih, nullptr},
    {"dWeightHh", Extent::WeightHh, kOut, Null::Never, false, &BackwardArgs::dw_hh, nullptr},
    {"dBiasIh", Extent::Bias, kOut, Null::Allowed, false, &BackwardArgs::db_ih, nullptr},
    {"dBiasHh", Extent::Bias, kOut, Null::Allowed, false, &BackwardArgs::db_hh, nullptr},
    {"dy", Extent::Y, kIn, Null::Allowed, false, nullptr, &BackwardArgs::dy},
    {"dhN", Extent::State, kIn, Null::Allowed, false, nullptr, &BackwardArgs::dhN},
    {"x", Extent::X, kIn, Null::Never, false, nullptr, &BackwardArgs::x},
    {"h0", Extent::State, kIn, Null::Allowed, false, nullptr, &BackwardArgs::h0},
    {"weightIh", Extent::WeightIh, kIn, Null::Never, false, nullptr, &BackwardArgs::w_ih},
    {"weightHh", Extent::WeightHh, kIn, Null::Never, false, nullptr, &BackwardArgs::w_hh},
    {"y", Extent::Y, kIn, Null::Never, false, nullptr, &BackwardArgs::y},
    {"cache", Extent::Cache, kIn, Null::WhenEmpty, false, nullptr, &BackwardArgs::cache},
    {"dc0", Extent::CellState, kOut, Null::Allowed, true, &BackwardArgs::dc0, nullptr},
    {"dcN", Extent::CellState, kIn, Null::Allowed, true, nullptr, &BackwardArgs::dcN},
    {"c0", Extent::CellState, kIn, Null::Allowed, true, nullptr, &BackwardArgs::c0},
    {"dWeightHr", Extent::WeightHr, kOut, Null::Projection, true, &BackwardArgs::dw_hr, nullptr},
    {"weightHr", Extent::WeightHr, kIn, Null::Projection, true, nullptr, &BackwardArgs::w_hr},
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

int parse_threads(const ArgReader& r, const Napi::CallbackInfo& info, std::size_t index, int fallback) {
  if (info.Length() <= index || info[index].IsUndefined()) return fallback;
  return static_cast<int>(r.integer(info[index], "threads", 1, 1024));
}

// The sizes of one call and the array lengths they imply.
struct Sizes {
  SeqArgs seq{};
  std::uint64_t x = 0, y = 0, state = 0, cell_state = 0, w_ih = 0, w_hh = 0, w_hr = 0, bias = 0, cache = 0;

  std::uint64_t of(Extent e) const {
    switch (e) {
      case Extent::X: return x;
      case Extent::Y: return y;
      case Extent::State: return state;
      case Extent::CellState: return cell_state;
      case Extent::WeightIh: return w_ih;
      case Extent::WeightHh: return w_hh;
      case Extent::WeightHr: return w_hr;
      case Extent::Bias: return bias;
      case Extent::Cache: return cache;
    }
    return 0;
  }
};

Sizes parse_sizes(const ArgReader& r, const Napi::Object& o, Cell cell, Job& job) {
  Sizes s;
  SeqArgs& q = s.seq;
  q.T = r.integer(o.Get("T"), "T", 0, kMaxSize);
  q.B = r.integer(o.Get("B"), "B", 1, kMaxSize);
  q.I = r.integer(o.Get("I"), "I", 1, kMaxSize);
  q.H = r.integer(o.Get("H"), "H", 1, kMaxSize);
  // P: the size of h — H, or an LSTM's projection size in [1, H).
  q.P = r.integer(o.Get("P"), "P", cell == Cell::Lstm ? 1 : q.H, q.H);
  if (cell != Cell::Lstm && q.P != q.H) r.range_error("P: expected H for a cell without projections");
  q.reverse = r.boolean(o.Get("reverse"), "reverse");
  q.batch_first = r.boolean(o.Get("batchFirst"), "batchFirst");
  q.y_stride = r.integer(o.Get("yStride"), "yStride", q.P, kMaxSize);
  q.y_offset = r.integer(o.Get("yOffset"), "yOffset", 0, q.y_stride - q.P);
  const std::uint64_t G = static_cast<std::uint64_t>(gates_of(cell));
  const std::uint64_t per_step = cell == Cell::Lstm ? (q.P < q.H ? 6 : 5) : cell == Cell::Gru ? 4 : 0;
  std::uint64_t tb = 0, tbh = 0;
  if (!mul_ok(q.T, q.B, &tb) || !mul_ok(tb, q.I, &s.x) || !mul_ok(tb, q.y_stride, &s.y) ||
      !mul_ok(q.B, q.P, &s.state) || !mul_ok(q.B, q.H, &s.cell_state) || !mul_ok(G, q.H, &s.bias) ||
      !mul_ok(s.bias, q.I, &s.w_ih) || !mul_ok(s.bias, q.P, &s.w_hh) || !mul_ok(q.P, q.H, &s.w_hr) ||
      !mul_ok(tb, q.H, &tbh) || !mul_ok(tbh, per_step, &s.cache)) {
    r.range_error("sizes T=" + std::to_string(q.T) + " B=" + std::to_string(q.B) + " I=" + std::to_string(q.I) +
                  " H=" + std::to_string(q.H) + " yStride=" + std::to_string(q.y_stride) +
                  " describe arrays larger than 2^53 elements");
  }
  job.lengths = r.lengths(o.Get("lengths"), q.B, q.T);
  q.lengths = job.lengths.empty() ? nullptr : job.lengths.data();
  return s;
}

template <class Args, std::size_t N>
void read_arrays(const ArgReader& r, const Napi::Object& o, Cell cell, const Sizes& s, const Field<Args> (&fields)[N],
                 Args& args, std::vector<F32>& arrays) {
  for (const Field<Args>& f : fields) {
    if (f.lstm_only && cell != Cell::Lstm) {
      Napi::Value v = o.Get(f.name);
      if (!v.IsNull() && !v.IsUndefined()) {
        r.type_error(std::string(f.name) + ": expected null (" + (cell == Cell::Gru ? "a GRU" : "an RNN") +
                     " cell has no cell state), received " + ArgReader::describe(v));
      }
      continue;
    }
    const std::uint64_t length = s.of(f.extent);
    if (f.null == Null::Projection && s.seq.P == s.seq.H) {
      Napi::Value v = o.Get(f.name);
      if (!v.IsNull() && !v.IsUndefined()) {
        r.type_error(std::string(f.name) + ": expected null (no projection: P = H), received " + ArgReader::describe(v));
      }
      continue;
    }
    const bool nullable = f.null == Null::Allowed || (f.null == Null::WhenEmpty && length == 0);
    F32 a = r.f32(o.Get(f.name), f.name, length, nullable, f.output);
    if (f.out) args.*(f.out) = a.data;
    else args.*(f.in) = a.data;
    arrays.push_back(std::move(a));
  }
  std::vector<const F32*> all;
  for (const F32& a : arrays) all.push_back(&a);
  r.check_no_overlap(all);
}

}  // namespace

void Job::run() const {
  const ScopedFlushDenormals ftz;  // FTZ/DAZ for this call on this thread, restored after (denormals.h)
  ThreadPool& pool = ThreadPool::global();
  std::lock_guard<std::mutex> lock(pool.call_mutex());
  const Context ctx{active_ops(), &pool, threads};
  // The lengths live in this Job (which may have moved since parsing): point at them here.
  const std::int32_t* lens = lengths.empty() ? nullptr : lengths.data();
  if (forward) {
    ForwardArgs a = f;
    a.seq.lengths = lens;
    recurrent_forward(ctx, cell, a);
  } else {
    BackwardArgs a = b;
    a.seq.lengths = lens;
    recurrent_backward(ctx, cell, a);
  }
}

namespace {
// One parser for both directions: the arguments struct and its field table are what differ.
template <class Args, std::size_t N>
Job parse(const Napi::CallbackInfo& info, const char* where, int default_threads, bool forward,
          Args Job::*args, const Field<Args> (&fields)[N]) {
  ArgReader r(info.Env(), where);
  Job job;
  job.forward = forward;
  job.cell = parse_cell(r, info[0]);
  Napi::Object o = r.object(info[1], "args");
  const Sizes s = parse_sizes(r, o, job.cell, job);
  job.threads = parse_threads(r, info, 2, default_threads);
  (job.*args).seq = s.seq;
  read_arrays(r, o, job.cell, s, fields, job.*args, job.arrays);
  return job;
}
}  // namespace

Job parse_forward(const Napi::CallbackInfo& info, const char* where, int default_threads) {
  return parse(info, where, default_threads, true, &Job::f, kForwardFields);
}

Job parse_backward(const Napi::CallbackInfo& info, const char* where, int default_threads) {
  return parse(info, where, default_threads, false, &Job::b, kBackwardFields);
}

}  // namespace fastrnn
