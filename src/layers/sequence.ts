/**
 * Layout helpers for recurrent layers: batch-first ⇄ time-major, and the per-direction column blocks of a
 * bidirectional output [T, B, D·H].
 */
import type { FloatArray } from '../tensor.js';

/** [A, C, F] → [C, A, F] (swaps the two leading dimensions). */
export function swapLeadingDims(src: FloatArray, A: number, C: number, F: number): FloatArray {
  const out = new (src.constructor as { new (n: number): FloatArray })(src.length);
  // Plain indexed copies: subarray()+set() per row costs more than the copy itself for small F.
  for (let a = 0; a < A; a++) {
    for (let c = 0; c < C; c++) {
      const from = (a * C + c) * F;
      const to = (c * A + a) * F;
      for (let f = 0; f < F; f++) out[to + f] = src[from + f];
    }
  }
  return out;
}

/** Writes `part` [rows, H] into columns [d·H, (d+1)·H) of `whole` [rows, D·H]. */
export function writeColumnBlock(whole: FloatArray, part: FloatArray, rows: number, H: number, D: number, d: number): void {
  for (let r = 0; r < rows; r++) whole.set(part.subarray(r * H, r * H + H), r * D * H + d * H);
}

/** Reads columns [d·H, (d+1)·H) of `whole` [rows, D·H] into a new [rows, H] array. */
export function readColumnBlock(whole: FloatArray, rows: number, H: number, D: number, d: number): FloatArray {
  const out = new (whole.constructor as { new (n: number): FloatArray })(rows * H);
  for (let r = 0; r < rows; r++) out.set(whole.subarray(r * D * H + d * H, r * D * H + d * H + H), r * H);
  return out;
}
