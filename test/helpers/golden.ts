/**
 * Loads the PyTorch golden fixtures written by test/fixtures/make_golden.py (see test/fixtures/README.md).
 * Each fixture is one layer configuration: its parameters, inputs, outputs, fixed upstream gradients and
 * the gradients PyTorch computed (in float64, stored as float32) for
 *   loss = sum(output · d_output) + sum(h_n · d_h_n) + sum(c_n · d_c_n).
 * Keys keep the file's PyTorch names, minus the group prefix ("param.", "grad.", …).
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CellKind } from '../../src/backend/backend.js';
import { loadSafetensorsWithMetadataSync } from '../../src/io/safetensors.js';
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
}

export interface GoldenFixture {
  name: string;
  config: GoldenConfig;
  /** 'last_step': d_output is zero except at t = T−1 (the long sequences, to show gradient decay) */
  upstreamKind: 'dense' | 'last_step';
  /** PyTorch state_dict names: weight_ih_l0, bias_hh_l1_reverse, … */
  params: Record<string, Tensor>;
  /** x [B,T,I] (batch first); h0, c0 [L·D,B,H] only when config.hasInitialState (c0 for LSTM) */
  inputs: { x: Tensor; h0?: Tensor; c0?: Tensor };
  /** output [B,T,D·H], h_n [L·D,B,H], c_n (LSTM) */
  outputs: { output: Tensor; h_n: Tensor; c_n?: Tensor };
  upstream: { d_output: Tensor; d_h_n: Tensor; d_c_n?: Tensor };
  /** parameter names as in params, plus x, and h0 / c0 when the config has initial states */
  grads: Record<string, Tensor>;
}

/** Fixture names (file names without .safetensors), sorted; excludes the plain state-dict files. */
export function listGoldenFixtures(): string[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.safetensors') && !f.startsWith('pytorch_'))
    .map((f) => f.slice(0, -'.safetensors'.length))
    .sort();
}

/** dtype 'float64' widens the stored float32 values exactly, for tight checks of the float64 reference. */
export function loadGoldenFixture(name: string, { dtype = 'float32' }: { dtype?: DType } = {}): GoldenFixture {
  const { tensors, metadata } = loadSafetensorsWithMetadataSync(`${GOLDEN_DIR}${name}.safetensors`, { dtype });
  const group = (prefix: string): Record<string, Tensor> =>
    Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
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
