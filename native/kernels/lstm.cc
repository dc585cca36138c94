// LSTM kernels: the native twin of src/backend/reference/lstm.ts.
//
//   pre_t = x_t · W_ihᵀ + b_ih + b_hh + h_{t−1} · W_hhᵀ      [B, 4H], columns [i | f | g | o]
//   i = σ(pre_i)  f = σ(pre_f)  g = tanh(pre_g)  o = σ(pre_o)
//   c_t = f ⊙ c_{t−1} + i ⊙ g        h_t = o ⊙ tanh(c_t)
//
// Forward: one GEMM projects all T·B input rows (biases in its epilogue) into the gates buffer — the
// training cache itself when training. Per step, one GEMM h_{t−1}·W_hhᵀ (W_hh packed once, in the gate-
// interleaved column order of gated.h) whose epilogue adds the projection, applies the gate
// nonlinearities and updates c and h for the finished block; activations overwrite the projection.
//
// BPTT (dh, dc flow backwards; dhN, dcN seed the last step):
//   dh_t = dy_t + dpre_{t+1} · W_hh          dc_t = f_{t+1} ⊙ dc_{t+1} + dh_t ⊙ o ⊙ (1 − tanh²c_t)
//   dpre_t = [dc·g·i(1−i) | dc·c_{t−1}·f(1−f) | dc·i·(1−g²) | dh·tanh(c_t)·o(1−o)]
// Per step the GEMM dpre_t · W_hh runs with an epilogue that turns its block of dh (whole units) straight
// into dpre_{t−1} and dc_{t−1}. dx, dW_ih, dW_hh and the bias gradients are large products over all T·B
// rows after the loop (gated.h).
//
// σ(v) = ½·tanh(v/2) + ½ through the SIMD path's tanh (error a few float32 ulps).
#include "lstm.h"

#include <algorithm>
#include <cstring>

#include "gated.h"
#include "gemm/gemm.h"
#include "threads.h"

namespace fastrnn {

namespace {

using gated::Interleave;
using gated::step_at;

constexpr i64 kStage = 256;  // floats staged per tanh call

// ---- forward: one step's epilogue over rows [r0, r1) and interleaved panels [p0, p1) ----

struct FwdStep {
  const SimdOps* ops;
  Interleave L;
  float* gates;        // gates_t [B, 4H]: input projection in, activations out
  float* cells;        // c_t [B, H]
  const float* cprev;  // c_{t−1} [B, H] or null (zeros)
  float* y;            // h_t [B, H]
};

// R: the recurrent product for this step in interleaved order (row stride ldr), or null (h_{t−1} = 0).
void fwd_rows(const FwdStep& s, const float* R, i64 ldr, i64 r0, i64 r1, i64 p0, i64 p1) {
  const Interleave& L = s.L;
  const i64 H = L.H, q = L.q, G4 = 4 * H;
  const i64 per = std::max<i64>(1, kStage / (4 * q));  // panels per staging chunk
  alignas(64) float pre[kStage];
  alignas(64) float tc[kStage];
  for (i64 r = r0; r < r1; r++) {
    float* g = s.gates + r * G4;
    const float* rr = R ? R + r * ldr : nullptr;
    const float* cp = s.cprev ? s.cprev + r * H : nullptr;
    float* c = s.cells + r * H;
    float* h = s.y + r * H;
    for (i64 pa = p0; pa < p1; pa += per) {
      const i64 pb = std::min(p1, pa + per);
      // Stage the pre-activations, panel by panel as [i | f | g | o] × nu; σ gates pre-scaled by ½.
      i64 n = 0;
      for (i64 p = pa; p < pb; p++) {
        const i64 u0 = p * q, nu = L.units(p);
        for (i64 gate = 0; gate < 4; gate++) {
          const float* src = g + gate * H + u0;
          float* dst = pre + n + gate * nu;
          if (rr) {
            const float* rec = rr + p * L.nr + gate * q;
            for (i64 k = 0; k < nu; k++) dst[k] = src[k] + rec[k];
          } else {
            for (i64 k = 0; k < nu; k++) dst[k] = src[k];
          }
          if (gate != 2)
            for (i64 k = 0; k < nu; k++) dst[k] = 0.5f * dst[k];
        }
        n += 4 * nu;
      }
      s.ops->tanh_inplace(pre, n);
      // Activations, cell state; tanh(c) staged.
      i64 o = 0, m = 0;
      for (i64 p = pa; p < pb; p++) {
        const i64 u0 = p * q, nu = L.units(p);
        float* ai = pre + o;
        float* af = ai + nu;
        float* ag = af + nu;
        float* ao = ag + nu;
        for (i64 k = 0; k < nu; k++) {
          ai[k] = 0.5f * ai[k] + 0.5f;
          af[k] = 0.5f * af[k] + 0.5f;
          ao[k] = 0.5f * ao[k] + 0.5f;
        }
        for (i64 k = 0; k < nu; k++) {
          const float cv = af[k] * (cp ? cp[u0 + k] : 0.0f) + ai[k] * ag[k];
          c[u0 + k] = cv;
          tc[m + k] = cv;
        }
        std::memcpy(g + u0, ai, sizeof(float) * nu);
        std::memcpy(g + H + u0, af, sizeof(float) * nu);
        std::memcpy(g + 2 * H + u0, ag, sizeof(float) * nu);
        std::memcpy(g + 3 * H + u0, ao, sizeof(float) * nu);
        o += 4 * nu;
        m += nu;
      }
      s.ops->tanh_inplace(tc, m);
      o = 0, m = 0;
      for (i64 p = pa; p < pb; p++) {
        const i64 u0 = p * q, nu = L.units(p);
        const float* ao = pre + o + 3 * nu;
        for (i64 k = 0; k < nu; k++) h[u0 + k] = ao[k] * tc[m + k];
        o += 4 * nu;
        m += nu;
      }
    }
  }
}

void fwd_epilogue(const void* p, float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
  const FwdStep& s = *static_cast<const FwdStep*>(p);
  fwd_rows(s, C, ldc, r0, r1, c0 / s.L.nr, (c1 + s.L.nr - 1) / s.L.nr);
}

// ---- backward: turn a block of dh_{t} (rows [r0, r1), units [c0, c1)) into dpre_t and dc_{t−1} ----

struct BwdStep {
  const SimdOps* ops;
  i64 H;
  const float* dy;     // dy_t [B, H] or null
  const float* gates;  // activations at t [B, 4H]
  const float* cells;  // c_t [B, H]
  const float* cprev;  // c_{t−1} [B, H] or null (zeros)
  float* dc;           // [B, H]: dc_{t} in (the part flowing from t+1), dc_{t−1} ⊙-ready out (f ⊙ dc_t)
  float* dpre;         // dpre_t [B, 4H] out
};

void bwd_rows(const BwdStep& s, const float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
  const i64 H = s.H, G4 = 4 * H;
  alignas(64) float tc[kStage];
  for (i64 r = r0; r < r1; r++) {
    const float* dh = C + r * ldc;
    const float* dy = s.dy ? s.dy + r * H : nullptr;
    const float* g = s.gates + r * G4;
    const float* cp = s.cprev ? s.cprev + r * H : nullptr;
    float* dc = s.dc + r * H;
    float* d = s.dpre + r * G4;
    for (i64 j0 = c0; j0 < c1; j0 += kStage) {
      const i64 n = std::min(kStage, c1 - j0);
      std::memcpy(tc, s.cells + r * H + j0, sizeof(float) * n);
      s.ops->tanh_inplace(tc, n);
      for (i64 k = 0; k < n; k++) {
        const i64 j = j0 + k;
        const float ig = g[j], fg = g[H + j], gg = g[2 * H + j], og = g[3 * H + j];
        const float t = tc[k];
        const float dht = dy ? dh[j] + dy[j] : dh[j];
        const float dct = dc[j] + dht * og * (1.0f - t * t);
        const float cpv = cp ? cp[j] : 0.0f;
        d[j] = dct * gg * ig * (1.0f - ig);
        d[H + j] = dct * cpv * fg * (1.0f - fg);
        d[2 * H + j] = dct * ig * (1.0f - gg * gg);
        d[3 * H + j] = dht * t * og * (1.0f - og);
        dc[j] = dct * fg;
      }
    }
  }
}

void bwd_epilogue(const void* p, float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
  bwd_rows(*static_cast<const BwdStep*>(p), C, ldc, r0, r1, c0, c1);
}

void copy_or_zero(float* dst, const float* src, i64 n) {
  if (src) std::memcpy(dst, src, sizeof(float) * n);
  else std::memset(dst, 0, sizeof(float) * n);
}

}  // namespace

void lstm_forward(const Context& ctx, const LstmForwardArgs& a) {
  const i64 T = a.T, B = a.B, I = a.I, H = a.H, BH = B * H, G4 = 4 * H, TB = T * B;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.hN, a.h0, BH);
    if (a.cN) copy_or_zero(a.cN, a.c0, BH);
    return;
  }
  // Training: the cache holds the gates (projection first, then activations) and the cell states.
  float* gates = a.cache ? a.cache : scratch(gated::kSlotSteps, static_cast<std::size_t>(TB * G4));
  float* cells = a.cache ? a.cache + TB * G4 : nullptr;
  gated::input_projection(ctx, TB, I, G4, a.x, a.w_ih, a.b_ih, a.b_hh, G4, gates);

  const Interleave L(4, H, ops.nr);
  float* whh = scratch(gated::kSlotWeightHh, packed_b_size(ops, H, L.np));
  gated::pack_interleaved(ctx, a.w_hh, L, scratch(gated::kSlotAux, static_cast<std::size_t>(L.np * H)), whh);
  float* R = scratch(gated::kSlotStep, static_cast<std::size_t>(B * L.np));
  // Inference keeps only two cell states (a ring), training all of them (in the cache).
  float* ring = cells ? nullptr : scratch(gated::kSlotAux, static_cast<std::size_t>(2 * BH));

  const float* hprev = a.h0;
  const float* cprev = a.c0;
  float* clast = nullptr;
  for (i64 i = 0; i < T; i++) {
    const i64 t = step_at(i, T, a.reverse);
    float* ct = cells ? cells + t * BH : ring + (i & 1) * BH;
    const FwdStep s{ctx.ops, L, gates + t * B * G4, ct, cprev, a.y + t * BH};
    if (hprev) {
      const Epilogue epi{&fwd_epilogue, &s};
      ops.gemm(ctx, B, L.np, H, MatView{hprev, H, 1}, whh, R, L.np, false, &epi);
    } else {
      fwd_rows(s, nullptr, 0, 0, B, 0, L.panels);
    }
    hprev = s.y;
    cprev = ct;
    clast = ct;
  }
  std::memcpy(a.hN, a.y + step_at(T - 1, T, a.reverse) * BH, sizeof(float) * BH);
  if (a.cN) std::memcpy(a.cN, clast, sizeof(float) * BH);
}

void lstm_backward(const Context& ctx, const LstmBackwardArgs& a) {
  const i64 T = a.T, B = a.B, I = a.I, H = a.H, BH = B * H, G4 = 4 * H, TB = T * B;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.dh0, a.dhN, BH);
    if (a.dc0) copy_or_zero(a.dc0, a.dcN, BH);
    return;
  }
  const float* gates = a.cache;
  const float* cells = a.cache + TB * G4;
  float* dpre = scratch(gated::kSlotSteps, static_cast<std::size_t>(TB * G4));
  float* whh = scratch(gated::kSlotWeightHh, packed_b_size(ops, G4, H));
  ops.pack_b(ctx, MatView{a.w_hh, H, 1}, G4, H, whh);  // W_hh as B[K=4H, N=H]
  float* dh = scratch(gated::kSlotStep, static_cast<std::size_t>(BH));
  float* dc = scratch(gated::kSlotAux, static_cast<std::size_t>(BH));
  copy_or_zero(dh, a.dhN, BH);
  copy_or_zero(dc, a.dcN, BH);

  // Step s (processing order) of the reverse loop: its dpre, from the dh block the GEMM just finished.
  auto step = [&](i64 s) {
    const i64 t = step_at(s, T, a.reverse);
    const float* cprev = s > 0 ? cells + step_at(s - 1, T, a.reverse) * BH : a.c0;
    return BwdStep{ctx.ops, H, a.dy ? a.dy + t * BH : nullptr, gates + t * B * G4, cells + t * BH, cprev, dc,
                   dpre + t * B * G4};
  };
  {
    const BwdStep last = step(T - 1);
    bwd_rows(last, dh, H, 0, B, 0, H);
  }
  for (i64 s = T - 1; s >= 1; s--) {
    const BwdStep prev = step(s - 1);
    const Epilogue epi{&bwd_epilogue, &prev};
    const float* d = dpre + step_at(s, T, a.reverse) * B * G4;
    ops.gemm(ctx, B, H, G4, MatView{d, G4, 1}, whh, dh, H, false, &epi);
  }
  ops.gemm(ctx, B, H, G4, MatView{dpre + step_at(0, T, a.reverse) * B * G4, G4, 1}, whh, a.dh0, H, false, nullptr);
  if (a.dc0) std::memcpy(a.dc0, dc, sizeof(float) * BH);

  gated::weight_gradients(ctx, gated::WeightGradArgs{T, B, I, H, G4, a.reverse, dpre, dpre, a.x, a.y, a.h0, a.w_ih,
                                                      a.dx, a.dw_ih, a.dw_hh});
  gated::add_column_sums(ctx, dpre, TB, G4, a.db_ih, a.db_hh);
}

}  // namespace fastrnn
