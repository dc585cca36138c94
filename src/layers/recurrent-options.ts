/**
 * The call options of a recurrent layer's forward and backward, checked before any kernel runs:
 *   forward(…, { returnOutput?, out?: { output?, hN?, cN? } })
 *   backward(…, { inputGradient?, out?: { dInput?, dh0?, dc0? } })
 *
 * `out` (opt-in) names caller-owned tensors the call writes its results into instead of new arrays, so a
 * training loop that passes the same tensors every step allocates nothing per step. Each one must have
 * exactly the shape and dtype the result would have, and share no memory with another out tensor or with
 * anything the call reads (x, h0, c0, dOutput, dhN, dcN, or what the training forward kept: x and the
 * output). The result fields then hold the out arrays (their contents are overwritten; dInput is zeroed
 * first), and the caller must not read or write them until the call has returned (or its promise settled).
 */
import type { FloatArray, Tensor } from '../tensor.js';
import { checkBoolean } from '../errors.js';
import { hSize, type LayerSizes } from './recurrent-input.js';
import { checkOutTensors, optionsObject, type Reads } from './out-tensors.js';

export type { ReadArray, Reads } from './out-tensors.js';

export interface ForwardOutTensors {
  output?: Tensor | null;
  hN?: Tensor | null;
  cN?: Tensor | null;
}

export interface BackwardOutTensors {
  dInput?: Tensor | null;
  dh0?: Tensor | null;
  dc0?: Tensor | null;
}

export interface ForwardOptions {
  /** default true; false: return { hN, cN } only, keeping the output sequence in the layer */
  returnOutput?: boolean;
  /** opt-in: write the results into these tensors (each optional) instead of new arrays */
  out?: ForwardOutTensors;
}

export interface BackwardOptions {
  /** default true; false: skip dInput (neither computed nor allocated) */
  inputGradient?: boolean;
  /** opt-in: write the gradients into these tensors (each optional) instead of new arrays */
  out?: BackwardOutTensors;
}

/** Checked out arrays (null: allocate a new one as usual). */
export interface ForwardOut {
  output: FloatArray | null;
  hN: FloatArray | null;
  cN: FloatArray | null;
}

export interface BackwardOut {
  dInput: FloatArray | null;
  dh0: FloatArray | null;
  dc0: FloatArray | null;
}

export const NO_FORWARD_OUT: ForwardOut = Object.freeze({ output: null, hN: null, cN: null });
export const NO_BACKWARD_OUT: BackwardOut = Object.freeze({ dInput: null, dh0: null, dc0: null });

/** forward's options: returnOutput and the checked out arrays. */
export function checkForwardOptions(name: string, options: unknown, layer: LayerSizes, T: number, B: number, reads: Reads): { returnOutput: boolean; out: ForwardOut } {
  const where = `${name}.forward(options)`;
  const o = optionsObject(where, options, 'returnOutput');
  const returnOutput = o.returnOutput === undefined ? true : checkBoolean(`${where}.returnOutput`, o.returnOutput);
  const LD = layer.numLayers * layer.numDirections;
  const F = layer.numDirections * hSize(layer);
  const out = checkOutTensors(where, o.out, { dtype: layer.dtype, noun: 'layer' }, {
    output: returnOutput ? (layer.batchFirst ? [B, T, F] : [T, B, F]) : 'returnOutput is false',
    hN: [LD, B, hSize(layer)],
    cN: layer.cell === 'lstm' ? [LD, B, layer.hiddenSize] : 'only an LSTM has a cell state',
  }, reads);
  return { returnOutput, out: out ? { output: out.output, hN: out.hN, cN: out.cN } : NO_FORWARD_OUT };
}

/** backward's options: inputGradient and the checked out arrays. */
export function checkBackwardOptions(name: string, options: unknown, layer: LayerSizes, T: number, B: number, reads: Reads): { inputGradient: boolean; out: BackwardOut } {
  const where = `${name}.backward(options)`;
  const o = optionsObject(where, options, 'inputGradient');
  const inputGradient = o.inputGradient === undefined ? true : checkBoolean(`${where}.inputGradient`, o.inputGradient);
  const LD = layer.numLayers * layer.numDirections;
  const out = checkOutTensors(where, o.out, { dtype: layer.dtype, noun: 'layer' }, {
    dInput: inputGradient ? (layer.batchFirst ? [B, T, layer.inputSize] : [T, B, layer.inputSize]) : 'inputGradient is false',
    dh0: [LD, B, hSize(layer)],
    dc0: layer.cell === 'lstm' ? [LD, B, layer.hiddenSize] : 'only an LSTM has a cell state',
  }, reads);
  return { inputGradient, out: out ? { dInput: out.dInput, dh0: out.dh0, dc0: out.dc0 } : NO_BACKWARD_OUT };
}
