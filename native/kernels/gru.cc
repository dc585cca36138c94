// GRU kernels: the native twin of src/backend/reference/gru.ts.
//
//   gi_t = x_t · W_ihᵀ + b_ih        gh_t = h_{t−1} · W_hhᵀ + b_hh        [B, 3H], columns [r | z | n]
//   r = σ(gi_r + gh_r)   z = σ(gi_z + gh_z)   n = tanh(gi_n + r ⊙ gh_n)
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
//
// Forward: one GEMM projects all T·B input rows into the gates buffer (the training cache when training)
// with b_ih, and b_hh's r and z parts, in its epilogue; b_hn stays on the recurrent side. Per step, one
// GEMM h_{t−1}·W_hhᵀ (W_hh packed once, gate-interleaved as in gated.h) whose epilogue adds b_hn, applies
// the gates and writes h_t, the activations (over the projection) and gh_n = W_hn·h_{t−1} + b_hn.
//
// BPTT (dhN seeds the last step):
//   dh_t = dy_t + z_{t+1} ⊙ dh_{t+1} + dgh_{t+1} · W_hh
//   dan = dh ⊙ (1 − z) ⊙ (1 − n²)   dar = dan ⊙ gh_n ⊙ r(1−r)   daz = dh ⊙ (h_{t−1} − n) ⊙ z(1−z)
//   dgi_t = [dar | daz | dan]       dgh_t = [dar | daz | dan ⊙ r]
// Per step the GEMM accumulates dgh_t · W_hh onto z ⊙ dh (left in the same buffer by the previous
// epilogue), and its epilogue turns each finished block into dgi, dgh of the step before. dx, dW_ih,
// dW_hh and the bias gradients are large products over all T·B rows after the loop (gated.h).
//
// σ(v) = ½·tanh(v/2) + ½ through the SIMD path's tanh (error a few float32 ulps).
#include "gru.h"

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
  float* gates;        // gates_t [B, 3H]: input projection in, activations out
  float* hns;          // gh_n at t [B, H], or null (not training)
  const float* b_hn;   // [H] or null
  const float* hprev;  // h_{t−1} [B, H] or null (zeros)
  float* y;            // h_t [B, H]
};

// R: the recurrent product for this step in interleaved order (row stride ldr), or null (h_{t−1} = 0).
void fwd_rows(const FwdStep& s, const float* R, i64 ldr, i64 r0, i64 r1, i64 p0, i64 p1) {
  const Interleave& L = s.L;
  const i64 H = L.H, q = L.q, G3 = 3 * H;
  const i64 per = std::max<i64>(1, kStage / (2 * q));  // panels per staging chunk
  alignas(64) float rz[kStage];
  alignas(64) float nn[kStage];
  alignas(64) float hn[kStage];
  for (i64 r = r0; r < r1; r++) {
    float* g = s.gates + r * G3;
    const float* rr = R ? R + r * ldr : nullptr;
    const float* hp = s.hprev ? s.hprev + r * H : nullptr;
    float* h = s.y + r * H;
    for (i64 pa = p0; pa < p1; pa += per) {
      const i64 pb = std::min(p1, pa + per);
      // Stage r and z (pre-scaled by ½ for σ) as [r | z] × nu per panel, and gh_n.
      i64 o = 0, m = 0;
      for (i64 p = pa; p < pb; p++) {
        const i64 u0 = p * q, nu = L.units(p);
        for (i64 gate = 0; gate < 2; gate++) {
          const float* src = g + gate * H + u0;
          float* dst = rz + o + gate * nu;
          if (rr) {
            const float* rec = rr + p * L.nr + gate * q;
            for (i64 k = 0; k < nu; k++) dst[k] = 0.5f * (src[k] + rec[k]);
          } else {
            for (i64 k = 0; k < nu; k++) dst[k] = 0.5f * src[k];
          }
        }
        const float* rec = rr ? rr + p * L.nr + 2 * q : nullptr;
        const float* bn = s.b_hn ? s.b_hn + u0 : nullptr;
        for (i64 k = 0; k < nu; k++) {
          const float v = rec ? rec[k] : 0.0f;
          hn[m + k] = bn ? v + bn[k] : v;
        }
        o += 2 * nu;
        m += nu;
      }
      s.ops->tanh_inplace(rz, o);
      o = 0, m = 0;
      for (i64 p = pa; p < pb; p++) {
        const i64 u0 = p * q, nu = L.units(p);
        float* ar = rz + o;
        float* az = ar + nu;
        for (i64 k = 0; k < nu; k++) {
          ar[k] = 0.5f * ar[k] + 0.5f;
          az[k] = 0.5f * az[k] + 0.5f;
        }
        const float* gn = g + 2 * H + u0;
        for (i64 k = 0; k < nu; k++) nn[m + k] = gn[k] + ar[k] * hn[m + k];
        std::memcpy(g + u0, ar, sizeof(float) * nu);
        std::memcpy(g + H + u0, az, sizeof(float) * nu);
        if (s.hns) std::memcpy(s.hns + r * H + u0, hn + m, sizeof(float) * nu);
        o += 2 * nu;
        m += nu;
      }
      s.ops->tanh_inplace(nn, m);
      o = 0, m = 0;
      for (i64 p = pa; p < pb; p++) {
        const i64 u0 = p * q, nu = L.units(p);
        const float* az = rz + o + nu;
        for (i64 k = 0; k < nu; k++) {
          const float n = nn[m + k], z = az[k];
          const float hpv = hp ? hp[u0 + k] : 0.0f;
          g[2 * H + u0 + k] = n;
          h[u0 + k] = (1.0f - z) * n + z * hpv;
        }
        o += 2 * nu;
        m += nu;
      }
    }
  }
}

void fwd_epilogue(const void* p, float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
  const FwdStep& s = *static_cast<const FwdStep*>(p);
  fwd_rows(s, C, ldc, r0, r1, c0 / s.L.nr, (c1 + s.L.nr - 1) / s.L.nr);
}

// ---- backward: turn a block of dh (rows [r0, r1), units [c0, c1)) into dgi_t, dgh_t and z ⊙ dh_t ----

struct BwdStep {
  i64 H;
  const float* dy;     // dy_t [B, H] or null
  const float* gates;  // activations at t [B, 3H]
  const float* hns;    // gh_n at t [B, H]
  const float* hprev;  // h_{t−1} [B, H] or null (zeros)
  float* dgi;          // dgi_t [B, 3H] out
  float* dgh;          // dgh_t [B, 3H] out
};

// C holds dh_t minus dy_t on entry and z_t ⊙ dh_t on exit (the direct path into dh_{t−1}).
void bwd_rows(const BwdStep& s, float* C, i64 ldc, i64 r0, i64 r1, i64 c0, i64 c1) {
  const i64 H = s.H, G3 = 3 * H;
  for (i64 r = r0; r < r1; r++) {
    float* dh = C + r * ldc;
    const float* dy = s.dy ? s.dy + r * H : nullptr;
    const float* g = s.gates + r * G3;
    const float* hn = s.hns + r * H;
    const float* hp = s.hprev ? s.hprev + r * H : nullptr;
    float* di = s.dgi + r * G3;
    float* dr = s.dgh + r * G3;
    for (i64 j = c0; j < c1; j++) {
      const float rg = g[j], z = g[H + j], n = g[2 * H + j];
      const float hpv = hp ? hp[j] : 0.0f;
      const float dht = dy ? dh[j] + dy[j] : dh[j];
      const float dan = dht * (1.0f - z) * (1.0f - n * n);
      const float dar = dan * hn[j] * rg * (1.0f - rg);
      const float daz = dht * (hpv - n) * z * (1.0f - z);
      di[j] = dar;
      di[H + j] = daz;
      di[2 * H + j] = dan;
      dr[j] = dar;
      dr[H + j] = daz;
      dr[2 * H + j] = dan * rg;
      dh[j] = dht * z;
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

void gru_forward(const Context& ctx, const GruForwardArgs& a) {
  const i64 T = a.T, B = a.B, I = a.I, H = a.H, BH = B * H, G3 = 3 * H, TB = T * B;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.hN, a.h0, BH);
    return;
  }
  // Training: the cache holds the gates (projection first, then activations) and gh_n.
  float* gates = a.cache ? a.cache : scratch(gated::kSlotSteps, static_cast<std::size_t>(TB * G3));
  float* hns = a.cache ? a.cache + TB * G3 : nullptr;
  gated::input_projection(ctx, TB, I, G3, a.x, a.w_ih, a.b_ih, a.b_hh, 2 * H, gates);

  const Interleave L(3, H, ops.nr);
  float* whh = scratch(gated::kSlotWeightHh, packed_b_size(ops, H, L.np));
  gated::pack_interleaved(ctx, a.w_hh, L, scratch(gated::kSlotAux, static_cast<std::size_t>(L.np * H)), whh);
  float* R = scratch(gated::kSlotStep, static_cast<std::size_t>(B * L.np));
  const float* b_hn = a.b_hh ? a.b_hh + 2 * H : nullptr;

  const float* hprev = a.h0;
  for (i64 i = 0; i < T; i++) {
    const i64 t = step_at(i, T, a.reverse);
    const FwdStep s{ctx.ops, L, gates + t * B * G3, hns ? hns + t * BH : nullptr, b_hn, hprev, a.y + t * BH};
    if (hprev) {
      const Epilogue epi{&fwd_epilogue, &s};
      ops.gemm(ctx, B, L.np, H, MatView{hprev, H, 1}, whh, R, L.np, false, &epi);
    } else {
      fwd_rows(s, nullptr, 0, 0, B, 0, L.panels);
    }
    hprev = s.y;
  }
  std::memcpy(a.hN, a.y + step_at(T - 1, T, a.reverse) * BH, sizeof(float) * BH);
}

void gru_backward(const Context& ctx, const GruBackwardArgs& a) {
  const i64 T = a.T, B = a.B, I = a.I, H = a.H, BH = B * H, G3 = 3 * H, TB = T * B;
  const SimdOps& ops = *ctx.ops;
  if (T == 0) {
    copy_or_zero(a.dh0, a.dhN, BH);
    return;
  }
  const float* gates = a.cache;
  const float* hns = a.cache + TB * G3;
  float* dgi = scratch(gated::kSlotSteps, static_cast<std::size_t>(TB * G3));
  float* dgh = scratch(gated::kSlotSteps2, static_cast<std::size_t>(TB * G3));
  float* whh = scratch(gated::kSlotWeightHh, packed_b_size(ops, G3, H));
  ops.pack_b(ctx, MatView{a.w_hh, H, 1}, G3, H, whh);  // W_hh as B[K=3H, N=H]
  float* dh = scratch(gated::kSlotStep, static_cast<std::size_t>(BH));
  copy_or_zero(dh, a.dhN, BH);

  auto step = [&](i64 s) {
    const i64 t = step_at(s, T, a.reverse);
    const float* hprev = s > 0 ? a.y + step_at(s - 1, T, a.reverse) * BH : a.h0;
    return BwdStep{H, a.dy ? a.dy + t * BH : nullptr, gates + t * B * G3, hns + t * BH, hprev,
                   dgi + t * B * G3, dgh + t * B * G3};
  };
  {
    const BwdStep last = step(T - 1);
    bwd_rows(last, dh, H, 0, B, 0, H);
  }
  for (i64 s = T - 1; s >= 1; s--) {
    const BwdStep prev = step(s - 1);
    const Epilogue epi{&bwd_epilogue, &prev};
    const float* d = dgh + step_at(s, T, a.reverse) * B * G3;
    ops.gemm(ctx, B, H, G3, MatView{d, G3, 1}, whh, dh, H, true, &epi);
  }
  std::memcpy(a.dh0, dh, sizeof(float) * BH);
  ops.gemm(ctx, B, H, G3, MatView{dgh + step_at(0, T, a.reverse) * B * G3, G3, 1}, whh, a.dh0, H, true, nullptr);

  gated::weight_gradients(ctx, gated::WeightGradArgs{T, B, I, H, G3, a.reverse, dgi, dgh, a.x, a.y, a.h0, a.w_ih,
                                                      a.dx, a.dw_ih, a.dw_hh});
  gated::add_column_sums(ctx, dgi, TB, G3, a.db_ih, nullptr);
  gated::add_column_sums(ctx, dgh, TB, G3, a.db_hh, nullptr);
}

}  // namespace fastrnn
