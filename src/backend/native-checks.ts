/**
 * The native engine's argument checks, run in TypeScript before any C++ so a caller gets a precise
 * TypeError/RangeError. One table per direction drives them — the same fields, order, lengths and rules as
 * kForwardFields / kBackwardFields in native/calls.cc, which checks everything again.
 */
import type { CellKind } from './backend.js';
import { cacheSize, gateCount } from './backend.js';
import { checkInt, describe } from '../errors.js';

const CELLS: readonly CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

/** How long an array must be, in terms of the call's sizes. */
type Extent = 'x' | 'y' | 'state' | 'cellState' | 'weightIh' | 'weightHh' | 'weightHr' | 'bias' | 'cache';

interface ArrayField {
  name: string;
  extent: Extent;
  output: boolean;
  /** 'whenEmpty': may be null only when its length would be 0; 'projection': required when P < H, else null */
  nullable: boolean | 'whenEmpty' | 'projection';
  lstmOnly: boolean;
}

const field = (name: string, extent: Extent, output: boolean, nullable: ArrayField['nullable'], lstmOnly = false): ArrayField =>
  ({ name, extent, output, nullable, lstmOnly });

/** Order = check order (native/calls.cc kForwardFields). */
export const FORWARD_FIELDS: readonly ArrayField[] = [
  field('y', 'y', true, false),
  field('hN', 'state', true, false),
  field('x', 'x', false, false),
  field('h0', 'state', false, true),
  field('weightIh', 'weightIh', false, false),
  field('weightHh', 'weightHh', false, false),
  field('biasIh', 'bias', false, true),
  field('biasHh', 'bias', false, true),
  field('cache', 'cache', true, true),
  field('cN', 'cellState', true, true, true),
  field('c0', 'cellState', false, true, true),
  field('weightHr', 'weightHr', false, 'projection', true),
];

/** Order = check order (native/calls.cc kBackwardFields). */
export const BACKWARD_FIELDS: readonly ArrayField[] = [
  field('dx', 'x', true, true),
  field('dh0', 'state', true, false),
  field('dWeightIh', 'weightIh', true, false),
  field('dWeightHh', 'weightHh', true, false),
  field('dBiasIh', 'bias', true, true),
  field('dBiasHh', 'bias', true, true),
  field('dy', 'y', false, true),
  field('dhN', 'state', false, true),
  field('x', 'x', false, false),
  field('h0', 'state', false, true),
  field('weightIh', 'weightIh', false, false),
  field('weightHh', 'weightHh', false, false),
  field('y', 'y', false, false),
  field('cache', 'cache', false, 'whenEmpty'),
  field('dc0', 'cellState', true, true, true),
  field('dcN', 'cellState', false, true, true),
  field('c0', 'cellState', false, true, true),
  field('dWeightHr', 'weightHr', true, 'projection', true),
  field('weightHr', 'weightHr', false, 'projection', true),
];

const WANT_CELL = `expected one of ${CELLS.map((c) => `"${c}"`).join(', ')}`;

export function checkCell(where: string, cell: unknown): CellKind {
  if (typeof cell !== 'string') throw new TypeError(`${where}: cell: ${WANT_CELL}, received ${describe(cell)}`);
  if (!CELLS.includes(cell as CellKind)) throw new RangeError(`${where}: cell: ${WANT_CELL}, received ${describe(cell)}`);
  return cell as CellKind;
}

function argsObject(where: string, args: unknown): Record<string, unknown> {
  if (typeof args !== 'object' || args === null || Array.isArray(args) || ArrayBuffer.isView(args)) {
    throw new TypeError(`${where}: args: expected an arguments object, received ${describe(args)}`);
  }
  return args as Record<string, unknown>;
}

function checkBool(where: string, o: Record<string, unknown>, name: string): void {
  if (typeof o[name] !== 'boolean') throw new TypeError(`${where}: ${name}: expected a boolean, received ${describe(o[name])}`);
}

function checkLengths(where: string, v: unknown, B: number, T: number): void {
  if (v === null || v === undefined) return;
  if (!(v instanceof Int32Array)) throw new TypeError(`${where}: lengths: expected an Int32Array of ${B} lengths or null, received ${describe(v)}`);
  const buffer = v.buffer as ArrayBuffer & { detached?: boolean };
  if (buffer.detached === true) throw new TypeError(`${where}: lengths: the Int32Array's ArrayBuffer is detached (transferred); pass a live array`);
  if (v.length !== B) throw new RangeError(`${where}: lengths: expected an Int32Array of length ${B} (one per sequence), received one of length ${v.length}`);
  for (let b = 0; b < B; b++) {
    if (v[b] < 1 || v[b] > T) throw new RangeError(`${where}: lengths[${b}]: expected an integer in [1, ${T}] (T), received ${v[b]}`);
  }
}

/** An integer field in [min, max]; the message (with its name) is only built when the check fails. */
function intField(where: string, o: Record<string, unknown>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = o[name];
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  return checkInt(`${where}: ${name}`, v, min, max);
}

/** Array lengths of one call (G = gates per cell; cache = cacheSize), after checking the sizes. */
function checkSizes(where: string, o: Record<string, unknown>, cell: CellKind): Record<Extent | 'projected', number> {
  const T = intField(where, o, 'T', 0), B = intField(where, o, 'B', 1);
  const I = intField(where, o, 'I', 1), H = intField(where, o, 'H', 1);
  // P: the size of h — H, or an LSTM's projection size in [1, H).
  const P = intField(where, o, 'P', cell === 'lstm' ? 1 : H, H);
  checkBool(where, o, 'reverse');
  checkBool(where, o, 'batchFirst');
  const yStride = intField(where, o, 'yStride', P);
  intField(where, o, 'yOffset', 0, yStride - P);
  const G = gateCount(cell);
  const sizes = {
    x: T * B * I, y: T * B * yStride, state: B * P, cellState: B * H, weightIh: G * H * I, weightHh: G * H * P, weightHr: P * H,
    bias: G * H, cache: cacheSize(cell, T, B, H, P), projected: P < H ? 1 : 0,
  };
  const safe = Number.isSafeInteger;
  if (!safe(sizes.x) || !safe(sizes.y) || !safe(sizes.cache) || !safe(sizes.weightIh) || !safe(sizes.weightHh) || !safe(sizes.weightHr) || !safe(sizes.cellState)) {
    throw new RangeError(`${where}: sizes T=${T} B=${B} I=${I} H=${H} yStride=${yStride} describe arrays larger than 2^53 elements`);
  }
  checkLengths(where, o.lengths, B, T);
  return sizes;
}

/**
 * The arrays of the call being checked and their fields, in two lists reused by every call (the checks
 * are synchronous and never re-entered), so checking a call allocates no per-array objects.
 */
const checkedArrays: Float32Array[] = [];
const checkedFields: { name: string; output: boolean }[] = [];

function checkArray(where: string, v: unknown, f: ArrayField, length: number, projected: boolean): Float32Array | null {
  if (f.nullable === 'projection' && !projected) {
    if (v === null || v === undefined) return null;
    throw new TypeError(`${where}: ${f.name}: expected null (no projection: P = H), received ${describe(v)}`);
  }
  const nullable = f.nullable === true || (f.nullable === 'whenEmpty' && length === 0);
  if (v === null || v === undefined) {
    if (nullable) return null;
    throw new TypeError(`${where}: ${f.name}: expected a Float32Array of length ${length}, received ${describe(v)}`);
  }
  if (!(v instanceof Float32Array)) {
    const hint = v instanceof Float64Array ? ' (the native engine is float32-only; run float64 on the reference backend)' : '';
    throw new TypeError(`${where}: ${f.name}: expected a Float32Array of length ${length}${nullable ? ' or null' : ''}, received ${describe(v)}${hint}`);
  }
  const buffer = v.buffer as ArrayBuffer & { detached?: boolean; resizable?: boolean };
  if (buffer.detached === true || (length > 0 && v.length === 0 && buffer.byteLength === 0)) {
    throw new TypeError(`${where}: ${f.name}: expected a Float32Array of length ${length}, received one whose ArrayBuffer is detached (transferred)`);
  }
  if (buffer.resizable === true) {
    throw new TypeError(`${where}: ${f.name}: Float32Arrays over resizable ArrayBuffers are not supported; pass a fixed-length array`);
  }
  if (v.length !== length) throw new RangeError(`${where}: ${f.name}: expected a Float32Array of length ${length}, received one of length ${v.length}`);
  return v;
}

/** Checks one array and adds it to the call's list (checkedArrays / checkedFields). */
function addArray(where: string, v: unknown, f: ArrayField, length: number, projected: boolean): void {
  const checked = checkArray(where, v, f, length, projected);
  if (!checked) return;
  checkedArrays.push(checked);
  checkedFields.push(f);
}

/** Outputs must not share memory with any other array of the call (the checked lists). Index loops: no iterator garbage. */
function checkNoOverlap(where: string): void {
  const arrays = checkedArrays;
  for (let i = 0; i < arrays.length; i++) {
    const o = arrays[i];
    if (!checkedFields[i].output || o.length === 0) continue;
    const a0 = o.byteOffset, a1 = a0 + o.byteLength;
    for (let j = 0; j < arrays.length; j++) {
      const p = arrays[j];
      if (j === i || p.buffer !== o.buffer || p.length === 0) continue;
      const b0 = p.byteOffset, b1 = b0 + p.byteLength;
      if (a0 < b1 && b0 < a1) throw new RangeError(`${where}: ${checkedFields[i].name} and ${checkedFields[j].name} share memory; outputs must not overlap other arrays`);
    }
  }
}

function startCall(): void {
  checkedArrays.length = 0;
  checkedFields.length = 0;
}

function checkCall(where: string, cell: unknown, args: unknown, fields: readonly ArrayField[]): void {
  const kind = checkCell(where, cell);
  const o = argsObject(where, args);
  const sizes = checkSizes(where, o, kind);
  startCall();
  try {
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (f.lstmOnly && kind !== 'lstm') {
        const v = o[f.name];
        if (v !== null && v !== undefined) throw new TypeError(`${where}: ${f.name}: expected null (${kind === 'gru' ? 'a GRU' : 'an RNN'} cell has no cell state), received ${describe(v)}`);
        continue;
      }
      addArray(where, o[f.name], f, sizes[f.extent], sizes.projected === 1);
    }
    checkNoOverlap(where);
  } finally {
    startCall(); // hold no references to the caller's arrays between calls
  }
}

// ---------------------------------------------------------------- Linear (native/linear_calls.cc)

type LinearExtent = 'y' | 'x' | 'w' | 'bias';
const linearField = (name: string, extent: LinearExtent, output: boolean, nullable: boolean) => ({ name, extent, output, nullable, lstmOnly: false });

/** Order = check order (native/linear_calls.cc kForward / kBackward). */
const LINEAR_FORWARD_FIELDS = [linearField('y', 'y', true, false), linearField('x', 'x', false, false), linearField('weight', 'w', false, false), linearField('bias', 'bias', false, true)];
const LINEAR_BACKWARD_FIELDS = [
  linearField('dx', 'x', true, true), linearField('dWeight', 'w', true, false), linearField('dBias', 'bias', true, true),
  linearField('dy', 'y', false, false), linearField('x', 'x', false, false), linearField('weight', 'w', false, false),
];

function checkLinear(where: string, args: unknown, fields: typeof LINEAR_FORWARD_FIELDS): void {
  const o = argsObject(where, args);
  const M = intField(where, o, 'M', 1), N = intField(where, o, 'N', 1), K = intField(where, o, 'K', 1);
  const sizes: Record<LinearExtent, number> = { y: M * N, x: M * K, w: N * K, bias: N };
  if (!Number.isSafeInteger(sizes.y) || !Number.isSafeInteger(sizes.x) || !Number.isSafeInteger(sizes.w)) {
    throw new RangeError(`${where}: sizes M=${M} N=${N} K=${K} describe arrays larger than 2^53 elements`);
  }
  startCall();
  try {
    for (const f of fields) addArray(where, o[f.name], f as unknown as ArrayField, sizes[f.extent as LinearExtent], false);
    checkNoOverlap(where);
  } finally {
    startCall(); // hold no references to the caller's arrays between calls
  }
}

/** Checks a Linear forward call exactly as the addon will. */
export function checkNativeLinearForward(where: string, args: unknown): void {
  checkLinear(where, args, LINEAR_FORWARD_FIELDS);
}

/** Checks a Linear backward call exactly as the addon will. */
export function checkNativeLinearBackward(where: string, args: unknown): void {
  checkLinear(where, args, LINEAR_BACKWARD_FIELDS);
}

/** Checks a forward call exactly as the addon will (same checks, same order). */
export function checkNativeForward(where: string, cell: unknown, args: unknown): void {
  checkCall(where, cell, args, FORWARD_FIELDS);
}

/** Checks a backward call exactly as the addon will (same checks, same order). */
export function checkNativeBackward(where: string, cell: unknown, args: unknown): void {
  checkCall(where, cell, args, BACKWARD_FIELDS);
}
