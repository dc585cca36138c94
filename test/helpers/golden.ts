/**
 * Loads the PyTorch golden fixtures written by test/fixtures/make_golden.py (see test/fixtures/README.md).
 * Each fixture is one layer configuration: its parameters, inputs, outputs, fixed upstream gradients and
 * the gradients PyTorch computed (in float64, stored as float32) for
 *   loss = sum(output · d_output) + sum(h_n · d_h_n) + sum(c_n · d_c_n).
 * Keys keep the file's PyTorch names, minus the group prefix ("param.", "grad.", …).
 *
 * Three kinds of file share the directory (see listGoldenFixtures):
 *   <cell>_l…            whole sequences through a layer (loadGoldenFixture)
 *   <cell>_packed_l…     ragged batches: the same layout plus config.lengths (loadGoldenFixture)
 *   cell_<cell>_k…       K steps of a one-step cell, torch.nn.*Cell (loadCellGoldenFixture)
 * LSTM projections (torch.nn.LSTM(..., proj_size=P)) are layer fixtures named lstm_proj_p<P>_l… and packed
 * ones named lstm_packed_proj_p<P>_l…, with config.projSize = P (runGoldenLayer passes it to the layer).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Backend, CellKind } from '../../src/backend/backend.js';
import { loadSafetensorsWithMetadataSync } from '../../src/io/safetensors.js';
import { createRecurrentLayer } from '../../src/layers/factory.js';
import type { DType, Tensor } from '../../src/tensor.js';

export const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));

export interface GoldenConfig {
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  batchFirst: true;
  bias: boolean;
  B: number;
  T: number;
  hasInitialState: boolean;
  /** LSTM projection fixtures only: PyTorch's proj_size P (1 ≤ P < hiddenSize); absent = none (P = H). */
  projSize?: number;
  /**
   * Packed fixtures only: B lengths in 1..T, unsorted. PyTorch ran pack_padded_sequence(x, lengths,
   * batch_first=True, enforce_sorted=False) → layer → pad_packed_sequence(total_length=T): output rows past a
   * length are 0, h_n/c_n are each sequence's own final state, d_output past a length is nonzero in the file
   * but has no effect, and grad x past a length is 0.
   */
  lengths?: number[];
}

export interface GoldenFixture {
  name: string;
  config: GoldenConfig;
  /** 'last_step': d_output is zero except at t = T−1 (the long sequences, to show gradient decay) */
  upstreamKind: 'dense' | 'last_step';
  /** PyTorch state_dict names: weight_ih_l0, bias_hh_l1_reverse, … */
  params: Record<string, Tensor>;
  /** x [B,T,I] (batch first); h0 [L·D,B,P], c0 [L·D,B,H] only when config.hasInitialState (c0 for LSTM) */
  inputs: { x: Tensor; h0?: Tensor; c0?: Tensor };
  /** output [B,T,D·P], h_n [L·D,B,P], c_n [L·D,B,H] (LSTM); P = projSize, or H without one */
  outputs: { output: Tensor; h_n: Tensor; c_n?: Tensor };
  upstream: { d_output: Tensor; d_h_n: Tensor; d_c_n?: Tensor };
  /** parameter names as in params, plus x, and h0 / c0 when the config has initial states */
  grads: Record<string, Tensor>;
}

export type GoldenKind = 'layer' | 'packed' | 'cell';

/** Which kind of fixture a name is (null: not a fixture, e.g. the plain state-dict files). */
export function goldenKind(name: string): GoldenKind | null {
  if (name.startsWith('pytorch_')) return null;
  if (name.startsWith('cell_')) return 'cell';
  return name.includes('_packed_') ? 'packed' : 'layer';
}

/**
 * Fixture names (file names without .safetensors) of one kind, sorted: 'layer' (the default: full-length
 * sequences), 'packed' (ragged batches, config.lengths) or 'cell' (one-step cells). Never the state dicts.
 */
export function listGoldenFixtures(kind: GoldenKind = 'layer'): string[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.safetensors'))
    .map((f) => f.slice(0, -'.safetensors'.length))
    .filter((name) => goldenKind(name) === kind)
    .sort();
}

function loadGrouped(name: string, dtype: DType) {
  const { tensors, metadata } = loadSafetensorsWithMetadataSync(`${GOLDEN_DIR}${name}.safetensors`, { dtype });
  const group = (prefix: string): Record<string, Tensor> =>
    Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  return { metadata, group };
}

/**
 * A layer or packed fixture. dtype 'float64' widens the stored float32 values exactly, for tight checks of
 * the float64 reference.
 */
export function loadGoldenFixture(name: string, { dtype = 'float32' }: { dtype?: DType } = {}): GoldenFixture {
  const kind = goldenKind(name);
  if (kind !== 'layer' && kind !== 'packed') throw new RangeError(`loadGoldenFixture: expected a layer or packed fixture name, received ${JSON.stringify(name)} (${kind ?? 'not a fixture'})`);
  const { metadata, group } = loadGrouped(name, dtype);
  return {
    name,
    config: JSON.parse(metadata.config) as GoldenConfig,
    upstreamKind: metadata.upstream === 'last_step' ? 'last_step' : 'dense',
    params: group('param.'),
    inputs: group('input.') as GoldenFixture['inputs'],
    outputs: group('output.') as GoldenFixture['outputs'],
    upstream: group('upstream.') as GoldenFixture['upstream'],
    grads: group('grad.'),
  };
}

export interface CellGoldenConfig {
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  bias: boolean;
  B: number;
  /** steps unrolled */
  K: number;
  /** false: the first step ran with h (and c) = None, i.e. zeros */
  hasInitialState: boolean;
}

/**
 * K steps of torch.nn.RNNCell / LSTMCell / GRUCell (float64), h_t = cell(x[t], h_{t−1}[, c_{t−1}]), with
 * loss = Σ_t sum(h_t · d_h[t]) + sum(c_t · d_c[t]). Stacked over steps: index t of the leading dimension.
 */
export interface CellGoldenFixture {
  name: string;
  config: CellGoldenConfig;
  /** weight_ih [G·H, I], weight_hh [G·H, H], bias_ih, bias_hh [G·H] (not with bias false) */
  params: Record<string, Tensor>;
  /** x [K, B, I]; h0, c0 (LSTM) [B, H] only when config.hasInitialState */
  inputs: { x: Tensor; h0?: Tensor; c0?: Tensor };
  /** h [K, B, H] (h_t after step t), c [K, B, H] (LSTM) */
  outputs: { h: Tensor; c?: Tensor };
  /** d_h [K, B, H], d_c [K, B, H] (LSTM): the loss's direct gradient for h_t, c_t */
  upstream: { d_h: Tensor; d_c?: Tensor };
  /** parameter names as in params, x [K, B, I], and h0 / c0 when the config has initial states */
  grads: Record<string, Tensor>;
}

/** A one-step-cell fixture (names from listGoldenFixtures('cell')). */
export function loadCellGoldenFixture(name: string, { dtype = 'float32' }: { dtype?: DType } = {}): CellGoldenFixture {
  if (goldenKind(name) !== 'cell') throw new RangeError(`loadCellGoldenFixture: expected a cell_… fixture name, received ${JSON.stringify(name)}`);
  const { metadata, group } = loadGrouped(name, dtype);
  return {
    name,
    config: JSON.parse(metadata.config) as CellGoldenConfig,
    params: group('param.'),
    inputs: group('input.') as CellGoldenFixture['inputs'],
    outputs: group('output.') as CellGoldenFixture['outputs'],
    upstream: group('upstream.') as CellGoldenFixture['upstream'],
    grads: group('grad.'),
  };
}

/** Step t of a [K, B, F] tensor as a [B, F] tensor (a copy). */
export function stepOf(t: Tensor, step: number): Tensor {
  const [, B, F] = t.shape;
  return { data: t.data.slice(step * B * F, (step + 1) * B * F), shape: [B, F] };
}

/** [A, C, F] → [C, A, F]: batch-first ⇄ time-major, for running fixtures with batchFirst false. */
export function swapBatchTime(t: Tensor): Tensor {
  const [A, C, F] = t.shape;
  const out = t.data instanceof Float64Array ? new Float64Array(t.data.length) : new Float32Array(t.data.length);
  for (let a = 0; a < A; a++) for (let c = 0; c < C; c++) for (let f = 0; f < F; f++) out[(c * A + a) * F + f] = t.data[(a * C + c) * F + f];
  return { data: out, shape: [C, A, F] };
}

/** What a layer computed for a layer/packed fixture, always batch-first ([B, T, ·]) like the file. */
export interface GoldenLayerRun {
  output: Tensor;
  hN: Tensor;
  cN?: Tensor;
  dInput: Tensor;
  dh0: Tensor;
  dc0?: Tensor;
  grads: Record<string, Tensor>;
}

/**
 * Loads the fixture's parameters into a fresh layer, runs forward (with config.lengths when the fixture has
 * them, as x.lengths) and backward with the fixture's upstream gradients. batchFirst false runs the layer
 * time-major: x, d_output go in transposed to [T, B, ·] and output, dInput come back transposed to [B, T, ·].
 */
export function runGoldenLayer(f: GoldenFixture, backend: Backend, dtype: DType, { batchFirst = true } = {}): GoldenLayerRun {
  const c = f.config;
  const layer = createRecurrentLayer(c.cell, {
    inputSize: c.inputSize, hiddenSize: c.hiddenSize, numLayers: c.numLayers, bidirectional: c.bidirectional,
    bias: c.bias, projSize: c.projSize, batchFirst, backend, dtype, seed: 0,
  });
  layer.loadStateDict(f.params);
  const layout = (t: Tensor): Tensor => (batchFirst ? t : swapBatchTime(t));
  // A variable, not a literal, so this compiles whether or not the layer's x type declares lengths yet.
  const x = c.lengths ? { ...layout(f.inputs.x), lengths: c.lengths } : layout(f.inputs.x);
  const { output, hN, cN } = layer.forward(x, f.inputs.h0, f.inputs.c0);
  const { dInput, dh0, dc0 } = layer.backward({ dOutput: layout(f.upstream.d_output), dhN: f.upstream.d_h_n, dcN: f.upstream.d_c_n });
  return { output: layout(output), hN, cN, dInput: layout(dInput), dh0, dc0, grads: layer.gradients() };
}
