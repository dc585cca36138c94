/**
 * The state a stateful LanguageModel carries from one batch to the next: h [L, B, H] and, for an LSTM,
 * c [L, B, H] — the previous batch's hN / cN, held as constants (detached: no gradient flows into them).
 * Here: the checks and copies of setState / getState, and the JSON form checkpoints keep (fit saves it
 * with the dropout Rng through rngStates(), so a run resumed mid-epoch continues from the same state).
 */
import type { DType, Tensor } from '../tensor.js';
import { allocate, dtypeOf, shapeToString } from '../tensor.js';
import { checkTensor, describe } from '../errors.js';

/** A recurrent state: h [L, B, H] and, for an LSTM, c [L, B, H]. */
export interface CarriedState {
  h: Tensor;
  c?: Tensor;
}

export interface StateSpec {
  numLayers: number;
  hiddenSize: number;
  lstm: boolean;
  dtype: DType;
}

function copy(t: Tensor): Tensor {
  return { data: t.data.slice(), shape: [...t.shape] };
}

export function copyState(s: CarriedState): CarriedState {
  return s.c ? { h: copy(s.h), c: copy(s.c) } : { h: copy(s.h) };
}

/** A checked copy of a state a caller hands in; `where` is the argument's label without its closing ')' ('setState(state'). */
export function checkCarriedState(where: string, state: unknown, spec: StateSpec): CarriedState {
  const { numLayers: L, hiddenSize: H, lstm } = spec;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new TypeError(`${where}): expected null or { h${lstm ? ', c' : ''} }, received ${describe(state)}`);
  }
  const s = state as { h?: unknown; c?: unknown };
  const B = checkTensor(`${where}.h)`, s.h, 3)[1];
  const check = (name: string, value: unknown, batch: string): Tensor => {
    const t = value as Tensor;
    const shape = checkTensor(name, t, 3);
    if (shape[0] !== L || shape[1] !== B || shape[2] !== H) {
      throw new RangeError(`${name}: expected shape [numLayers, B, hiddenSize] = [${L}, ${batch}, ${H}], received ${shapeToString(shape)}`);
    }
    if (dtypeOf(t.data) !== spec.dtype) throw new TypeError(`${name}: expected ${spec.dtype} data (the model's dtype), received ${describe(t.data)}`);
    return copy(t);
  };
  const h = check(`${where}.h)`, s.h, 'B');
  if (lstm && s.c === undefined) throw new TypeError(`${where}.c): an LSTM carries a cell state too; expected a Tensor, received undefined`);
  if (!lstm && s.c !== undefined) throw new TypeError(`${where}.c): only an LSTM has a cell state; expected undefined, received ${describe(s.c)}`);
  return lstm ? { h, c: check(`${where}.c)`, s.c, String(B)) } : { h };
}

/** The JSON form of a state (numbers in row-major order), or null. */
export function stateToJSON(s: CarriedState | null): { shape: number[]; h: number[]; c?: number[] } | null {
  if (!s) return null;
  const out: { shape: number[]; h: number[]; c?: number[] } = { shape: [...s.h.shape], h: Array.from(s.h.data) };
  if (s.c) out.c = Array.from(s.c.data);
  return out;
}

/** The inverse of stateToJSON, checked like setState; `where` as for checkCarriedState. */
export function stateFromJSON(where: string, json: unknown, spec: StateSpec): CarriedState | null {
  if (json === null || json === undefined) return null;
  const j = json as { shape?: unknown; h?: unknown; c?: unknown };
  if (typeof j !== 'object' || !Array.isArray(j.shape) || !Array.isArray(j.h)) {
    throw new TypeError(`${where}): expected null or { shape, h${spec.lstm ? ', c' : ''} } (numbers), received ${describe(json)}`);
  }
  const tensor = (values: unknown): Tensor | undefined => {
    if (values === undefined) return undefined;
    if (!Array.isArray(values)) throw new TypeError(`${where}): expected arrays of numbers, received ${describe(values)}`);
    const data = allocate(spec.dtype, values.length);
    data.set(values as number[]);
    return { data, shape: [...(j.shape as number[])] };
  };
  return checkCarriedState(where, { h: tensor(j.h), c: tensor(j.c) }, spec);
}
