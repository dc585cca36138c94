/**
 * ‖∂L/∂h_t‖ per time step of a real training batch, for the report's heat map (vanishing or exploding
 * gradients through time, as training goes on).
 *
 * On a sampled batch, the model's recurrent layer (model.rnn, or a seq2seq model's encoder) is watched
 * while trainBatch runs: the input of its training forward (x, lengths, h0, c0) and the upstream gradients
 * of its backward (dOutput, dhN, dcN — exactly what the model's loss sends into the layer) are copied for
 * the first `sequences` sequences of the batch. After trainBatch, gradientNormsPerStep
 * (src/diagnostics/gradient-norms.ts) unrolls the layer on those copies and returns the exact per-step
 * norms of the top layer's forward direction. Nothing of the training step changes: the layer's own
 * methods run as before, parameter gradients are untouched, and the watch is removed before trainBatch
 * returns (or throws).
 *
 * Norms are aligned on each sequence's END: norms[k] is the mean over the watched sequences of
 * ‖∂L/∂h_{len−1−k}‖, k steps back from the sequence's last token — for a loss on the last state this is how
 * far back through time the gradient reaches. Batches whose training calls the layer more than once, or
 * layers with a projection (projSize > 0, which the unrolled cells lack), give no sample.
 */
import { performance } from 'node:perf_hooks';
import { gradientNormsPerStep } from '../diagnostics/gradient-norms.js';
import { RecurrentLayer, type RecurrentGradients, type SequenceTensor } from '../layers/recurrent.js';
import type { Tensor } from '../tensor.js';

/** One measurement: a training batch's per-step gradient norms. */
export interface StepGradientSample {
  /** 0-based batch over the whole run, and its epoch */
  batch: number;
  epoch: number;
  /** how many of the batch's sequences were measured */
  sequences: number;
  /** norms[k]: mean ‖∂L/∂h‖ k steps before the sequences' ends (null where a mean was not finite) */
  norms: (number | null)[];
}

/** The layer the report watches: the recurrent stack that reads the input. */
export function watchedLayer(model: object): RecurrentLayer | null {
  const m = model as { rnn?: unknown; encoder?: unknown };
  const layer = m.rnn instanceof RecurrentLayer ? m.rnn : m.encoder instanceof RecurrentLayer ? m.encoder : null;
  return layer && layer.projSize === 0 ? layer : null;
}

interface Captured {
  x: SequenceTensor;
  h0: Tensor | null;
  c0: Tensor | null;
  upstream: RecurrentGradients;
}

type Method = (...args: unknown[]) => unknown;

/**
 * Runs `step` (one trainBatch) with `layer` watched; returns the step's result and the per-step norms
 * (null when the batch could not be measured, see the file comment).
 */
export async function withStepGradients<R>(
  layer: RecurrentLayer, sequences: number, maxSteps: number, step: () => Promise<R>,
): Promise<{ result: R; norms: { sequences: number; norms: (number | null)[] } | null; error: unknown; seconds: number }> {
  const forwards: Omit<Captured, 'upstream'>[] = [];
  const backwards: RecurrentGradients[] = [];
  const target = layer as unknown as Record<string, Method>;
  const own = (name: string): Method => (target[name] as Method).bind(layer);
  const originals = { forward: own('forward'), forwardAsync: own('forwardAsync'), backward: own('backward'), backwardAsync: own('backwardAsync') };
  // Whatever the instance itself held under these names (usually nothing: the methods live on the class).
  const held = Object.keys(originals).map((name) => [name, Object.getOwnPropertyDescriptor(target, name)] as const);
  const onForward = (args: unknown[]): void => {
    if (layer.training) forwards.push(copyForward(layer, args[0] as SequenceTensor, args[1] as Tensor | null, args[2] as Tensor | null, sequences));
  };
  const onBackward = (args: unknown[]): void => {
    backwards.push(copyUpstream(layer, (args[0] as RecurrentGradients | undefined) ?? {}, sequences));
  };
  target.forward = (...args) => (onForward(args), originals.forward(...args));
  target.forwardAsync = (...args) => (onForward(args), originals.forwardAsync(...args));
  target.backward = (...args) => (onBackward(args), originals.backward(...args));
  target.backwardAsync = (...args) => (onBackward(args), originals.backwardAsync(...args));
  let result: R;
  try {
    result = await step();
  } finally {
    for (const [name, descriptor] of held) {
      if (descriptor) Object.defineProperty(target, name, descriptor);
      else delete target[name];
    }
  }
  if (forwards.length !== 1 || backwards.length !== 1) return { result, norms: null, error: null, seconds: 0 };
  const started = performance.now();
  const seconds = (): number => (performance.now() - started) / 1000;
  try {
    const norms = measure(layer, { ...forwards[0], upstream: backwards[0] }, maxSteps);
    return { result, norms, error: null, seconds: seconds() };
  } catch (error) {
    // The measurement is the report's business: the training step itself succeeded.
    return { result, norms: null, error, seconds: seconds() };
  }
}

function measure(layer: RecurrentLayer, c: Captured, maxSteps: number): { sequences: number; norms: (number | null)[] } {
  const g = gradientNormsPerStep(layer, c.x, c.upstream, { h0: c.h0, c0: c.c0 });
  const B = g.lengths.length;
  const longest = Math.min(maxSteps, Math.max(...g.lengths));
  const norms: (number | null)[] = [];
  for (let k = 0; k < longest; k++) {
    let sum = 0;
    let n = 0;
    for (let b = 0; b < B; b++) {
      const len = g.lengths[b];
      if (k < len) {
        sum += g.perSequence[b][len - 1 - k];
        n++;
      }
    }
    const mean = sum / n;
    norms.push(Number.isFinite(mean) ? mean : null);
  }
  return { sequences: B, norms };
}

/** A copy of the first S sequences of a forward's input (x in the layer's layout; h0, c0 [L·D, B, ·]). */
function copyForward(layer: RecurrentLayer, x: SequenceTensor, h0: Tensor | null | undefined, c0: Tensor | null | undefined, S: number): Omit<Captured, 'upstream'> {
  const B = x.shape[layer.batchFirst ? 0 : 1];
  const n = Math.min(S, B);
  const lengths = x.lengths ? Array.from(x.lengths).slice(0, n) : null;
  return {
    x: { ...takeSequences(x, layer.batchFirst ? 0 : 1, n), lengths },
    h0: h0 ? takeSequences(h0, 1, n) : null,
    c0: c0 ? takeSequences(c0, 1, n) : null,
  };
}

function copyUpstream(layer: RecurrentLayer, up: RecurrentGradients, S: number): RecurrentGradients {
  const axis = layer.batchFirst ? 0 : 1;
  const out: RecurrentGradients = {};
  if (up.dOutput) out.dOutput = takeSequences(up.dOutput, axis, Math.min(S, up.dOutput.shape[axis]));
  if (up.dhN) out.dhN = takeSequences(up.dhN, 1, Math.min(S, up.dhN.shape[1]));
  if (up.dcN) out.dcN = takeSequences(up.dcN, 1, Math.min(S, up.dcN.shape[1]));
  return out;
}

/** A copy of the first n entries along `axis` (0 or 1) of a 3-D tensor. */
export function takeSequences(t: Tensor, axis: 0 | 1, n: number): Tensor {
  const [d0, d1, d2] = t.shape;
  const shape = axis === 0 ? [n, d1, d2] : [d0, n, d2];
  const Ctor = t.data.constructor as Float32ArrayConstructor | Float64ArrayConstructor;
  if (axis === 0) return { data: new Ctor(t.data.subarray(0, n * d1 * d2)), shape };
  const data = new Ctor(d0 * n * d2);
  for (let i = 0; i < d0; i++) data.set(t.data.subarray(i * d1 * d2, i * d1 * d2 + n * d2), i * n * d2);
  return { data, shape };
}
