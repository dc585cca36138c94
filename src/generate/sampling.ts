/**
 * Choosing the next token from one row of logits: greedy, temperature, top-k and top-p (nucleus), driven by
 * a seeded Rng so the same seed gives the same choices on every machine.
 *
 * The distribution a draw comes from, in this order (Hugging Face's order of logits warpers):
 *   1. temperature: p ∝ exp(logits / temperature). temperature 0 (or topK 1) is greedy: the argmax, the
 *      lowest index among ties, and no random number is drawn.
 *   2. top-k: keep the k most probable tokens (ties broken by the lower index); k larger than the vocabulary
 *      keeps every token, as in Hugging Face (it clamps top_k to the vocabulary size).
 *   3. top-p: of what is left, keep the smallest set of most probable tokens whose probability (renormalised
 *      after top-k) sums to at least p — at least one token always survives.
 *   4. renormalise what is kept, and draw once: u = rng.next() ∈ [0, 1), the first token whose cumulative
 *      probability exceeds u.
 *
 * Logits may be −Infinity (a masked token, never drawn); NaN, +Infinity and all-masked rows are RangeErrors.
 */
import { checkInt, checkNumber, describe } from '../errors.js';
import { Rng } from '../random.js';

export interface SamplingOptions {
  /** ≥ 0, default 1; 0 = greedy */
  temperature?: number;
  /** integer ≥ 1; keep the k most probable tokens (1 = greedy) */
  topK?: number;
  /** in (0, 1]; keep the nucleus whose probability reaches p (1 = keep all) */
  topP?: number;
}

const OPTION_KEYS = ['temperature', 'topK', 'topP'];

/** Checked sampling options with their defaults filled in. */
export interface CheckedSampling {
  temperature: number;
  topK: number | null;
  topP: number | null;
}

export function checkSamplingOptions(where: string, options: unknown, extraKeys: readonly string[] = []): CheckedSampling {
  if (options === undefined) return { temperature: 1, topK: null, topP: null };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${where}: expected an options object { temperature?, topK?, topP? }, received ${describe(options)}`);
  }
  const known = [...OPTION_KEYS, ...extraKeys];
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !known.includes(key)) {
      throw new TypeError(`${where}: expected only ${known.join(', ')}, received unknown option ${JSON.stringify(key)}`);
    }
  }
  const o = options as SamplingOptions;
  const temperature = checkNumber(`${where}.temperature`, o.temperature ?? 1, { min: 0 });
  const topK = o.topK === undefined ? null : checkInt(`${where}.topK`, o.topK, 1);
  const topP = o.topP === undefined ? null : checkNumber(`${where}.topP`, o.topP, { min: 0, minExclusive: true, max: 1 });
  return { temperature, topK, topP };
}

/** Checks a logits row: a non-empty array of numbers, none NaN or +Infinity, not all −Infinity. */
function checkLogits(where: string, logits: unknown): ArrayLike<number> {
  if (!(Array.isArray(logits) || (ArrayBuffer.isView(logits) && !(logits instanceof DataView)))) {
    throw new TypeError(`${where}: expected an array or typed array of logits (one per token), received ${describe(logits)}`);
  }
  const row = logits as ArrayLike<number>;
  if (row.length === 0) throw new RangeError(`${where}: expected at least one logit, received an empty row`);
  let finite = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (typeof v !== 'number' || Number.isNaN(v) || v === Infinity) {
      throw new RangeError(`${where}: expected finite logits (or −Infinity for a masked token), received ${describe(v)} at index ${i}`);
    }
    if (v !== -Infinity) finite++;
  }
  if (finite === 0) throw new RangeError(`${where}: expected at least one logit above −Infinity, received ${row.length} masked tokens`);
  return row;
}

/** Index of the largest logit (the lowest index among ties). */
export function argmax(logits: ArrayLike<number>): number {
  const row = checkLogits('argmax(logits)', logits);
  return argmaxOf(row);
}

function argmaxOf(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

function isGreedy(o: CheckedSampling): boolean {
  return o.temperature === 0 || o.topK === 1;
}

/**
 * The exact distribution `sampleToken` draws from (Float64Array, sums to 1, zeros where filtered out):
 * one-hot at the argmax when greedy.
 */
export function samplingProbabilities(logits: ArrayLike<number>, options?: SamplingOptions): Float64Array {
  const row = checkLogits('samplingProbabilities(logits)', logits);
  return distribution(row, checkSamplingOptions('samplingProbabilities(options)', options));
}

function distribution(row: ArrayLike<number>, o: CheckedSampling): Float64Array {
  const V = row.length;
  const p = new Float64Array(V);
  if (isGreedy(o)) {
    p[argmaxOf(row)] = 1;
    return p;
  }
  const max = row[argmaxOf(row)];
  let sum = 0;
  for (let i = 0; i < V; i++) {
    p[i] = Math.exp((row[i] - max) / o.temperature);
    sum += p[i];
  }
  for (let i = 0; i < V; i++) p[i] /= sum;
  if ((o.topK === null || o.topK >= V) && (o.topP === null || o.topP === 1)) return p;
  // Most probable first; ties by the lower index, so the kept set never depends on the sort's whims.
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b);
  let keep = o.topK === null ? V : Math.min(o.topK, V);
  if (o.topP !== null) {
    let kept = 0;
    for (let r = 0; r < keep; r++) kept += p[order[r]];
    let cum = 0;
    for (let r = 0; r < keep; r++) {
      cum += p[order[r]] / kept;
      if (cum >= o.topP) {
        keep = r + 1;
        break;
      }
    }
  }
  let total = 0;
  for (let r = 0; r < keep; r++) total += p[order[r]];
  const out = new Float64Array(V);
  for (let r = 0; r < keep; r++) out[order[r]] = p[order[r]] / total;
  return out;
}

/** Draws one token id from a logits row (see the file comment for the order of filters). */
export function sampleToken(logits: ArrayLike<number>, rng: Rng, options?: SamplingOptions): number {
  if (!(rng instanceof Rng)) throw new TypeError(`sampleToken(rng): expected an Rng (src/random.ts), received ${describe(rng)}`);
  return sampleChecked('sampleToken(logits)', logits, rng, checkSamplingOptions('sampleToken(options)', options));
}

/** sampleToken with options checked once by the caller (a generation loop); the logits are still checked. */
export function sampleChecked(where: string, logits: ArrayLike<number>, rng: Rng, o: CheckedSampling): number {
  const row = checkLogits(where, logits);
  if (isGreedy(o)) return argmaxOf(row);
  const p = distribution(row, o);
  const u = rng.next();
  let cum = 0;
  let last = 0;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    cum += p[i];
    last = i;
    if (u < cum) return i;
  }
  return last; // u within rounding of 1: the last kept token
}
