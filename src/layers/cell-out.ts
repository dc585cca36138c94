/**
 * The one-step cells' opt-in `{ out: { h?, c? } }`: forward writes h_t (and c_t) into the caller's own [B, H]
 * tensors instead of new arrays, so a decode loop that alternates two pairs of buffers allocates nothing per
 * step. Checked like the recurrent layers' `out` (recurrent-options.ts): exactly [B, H], the cell's dtype,
 * and memory of its own — not shared with the other out tensor nor with anything the step reads or the
 * parameters (so h_{t−1} and h_t must be different buffers) — before anything is written.
 */
import type { DType, FloatArray, Tensor } from '../tensor.js';
import { dtypeOf, shapeToString, sharesMemory } from '../tensor.js';
import { checkTensor, describe } from '../errors.js';

export interface CellOut {
  h?: Tensor | null;
  c?: Tensor | null;
}

export interface CheckedCellOut {
  h: Tensor | null;
  c: Tensor | null;
}

const NONE: CheckedCellOut = Object.freeze({ h: null, c: null });

/** reads: what the step reads (x, h, c) and the cell's parameter arrays, by name. */
export function checkCellOut(
  where: string, options: unknown, B: number, H: number, dtype: DType, isLstm: boolean, reads: readonly (readonly [string, FloatArray | null])[],
): CheckedCellOut {
  if (options === undefined) return NONE;
  if (typeof options !== 'object' || options === null) throw new TypeError(`${where}(options): expected an options object { out?: { h?, c? } }, received ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (k !== 'out') throw new TypeError(`${where}(options): expected only { out?: { h?, c? } }, received unknown key ${JSON.stringify(k)}`);
  }
  const out = (options as { out?: unknown }).out;
  if (out === undefined || out === null) return NONE;
  const names = isLstm ? ['h', 'c'] : ['h'];
  if (typeof out !== 'object') throw new TypeError(`${where}(options).out: expected an object { ${names.map((n) => `${n}?`).join(', ')} }, received ${describe(out)}`);
  const result: { h: Tensor | null; c: Tensor | null } = { h: null, c: null };
  for (const name of Object.keys(out)) {
    const label = `${where}(options).out.${name}`;
    if (!names.includes(name)) {
      throw new TypeError(`${where}(options).out: expected only the keys ${names.join(', ')}${isLstm ? '' : ' (only LSTMCell has a cell state)'}, received unknown key ${JSON.stringify(name)}`);
    }
    const t = (out as Record<string, unknown>)[name];
    if (t === undefined || t === null) continue;
    const shape = checkTensor(label, t, 2);
    if (shape[0] !== B || shape[1] !== H) throw new RangeError(`${label}: expected shape [B, hiddenSize] = [${B}, ${H}], received ${shapeToString(shape)}`);
    const data = (t as Tensor).data;
    if (dtypeOf(data) !== dtype) throw new TypeError(`${label}: expected a ${dtype === 'float32' ? 'Float32Array' : 'Float64Array'} (the cell's dtype), received ${describe(data)}`);
    for (const [other, arr] of [...reads, ...(name === 'c' && result.h ? [['out.h', result.h.data] as const] : [])]) {
      if (arr && sharesMemory(data, arr)) throw new RangeError(`${label}: expected memory of its own, received an array that shares memory with ${other}`);
    }
    result[name as 'h' | 'c'] = t as Tensor;
  }
  if (result.c && result.h && sharesMemory(result.c.data, result.h.data)) {
    throw new RangeError(`${where}(options).out.c: expected memory of its own, received an array that shares memory with out.h`);
  }
  return result;
}
