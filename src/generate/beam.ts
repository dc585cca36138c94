/**
 * Greedy and beam search over any step function that maps the previous tokens of R rows (hypotheses) to
 * their next-token log-probabilities [R, V], with a state whose rows can be selected (reordered, repeated,
 * dropped). Model-agnostic: Seq2Seq.translate passes its decoder step; a language model could pass its own.
 *
 * Length normalisation is GNMT's (Wu et al. 2016, eq. 14), without the coverage term:
 *
 *   score(Y) = log P(Y) / lp(Y),   lp(Y) = ((5 + |Y|) / 6)^α
 *
 * where |Y| counts the generated tokens including the final EOS (a hypothesis cut at maxLength has no EOS
 * and |Y| = maxLength), and α = lengthPenalty ≥ 0 (0: plain log-probability; GNMT found 0.6–0.7 best).
 *
 *   - maxLength bounds the generated tokens: a hypothesis with maxLength tokens stops without EOS.
 *   - beamSize 1 is greedy search: the argmax each step (ties: the lowest id), stopping at EOS.
 *   - beamSize k > 1: k hypotheses live; each step every live row's top k+1 extensions compete by log P
 *     (ties: earlier row, then lower id); an EOS extension ranked within the top k finishes a hypothesis,
 *     the best k others live on. The search stops when no live hypothesis can still beat the best finished
 *     one (log P only falls and lp is largest at maxLength, so a live hypothesis's best possible score is
 *     log P / lp(maxLength)), or when none is left, or at maxLength.
 *   - The result is the best-scoring of the beam's hypotheses and the greedy one, so widening the beam never
 *     returns a sequence the model scores lower than greedy's (plain beam search can prune the greedy path;
 *     the greedy run costs one row per step).
 */
import { checkInt, checkNumber, describe } from '../errors.js';

export interface StepResult<S> {
  /** log-probabilities, row-major [rows, vocabSize] */
  logProbs: ArrayLike<number>;
  state: S;
}

export interface SearchOptions<S> {
  /** the state for one row (the search starts from one hypothesis) */
  initial: S;
  /** tokens [rows] (the previous token of each row: bosId at the first step) → next-token log-probs */
  step(tokens: Int32Array, state: S): StepResult<S>;
  /** a state whose row i is row rows[i] of `state` (rows may repeat) */
  select(state: S, rows: Int32Array): S;
  vocabSize: number;
  bosId: number;
  eosId: number;
  /** maximum generated tokens (EOS not counted) */
  maxLength: number;
  /** default 1 (greedy) */
  beamSize?: number;
  /** α of GNMT's lp = ((5 + |Y|)/6)^α; default 0.6 */
  lengthPenalty?: number;
}

export interface Hypothesis {
  /** generated ids, without BOS and EOS */
  tokens: number[];
  /** log P(tokens, then EOS when finished) */
  logProb: number;
  /** logProb / lp(|Y|) */
  score: number;
  /** true when it ended with EOS, false when cut at maxLength */
  finished: boolean;
}

/** GNMT's length penalty lp(|Y|) = ((5 + |Y|)/6)^α. */
export function lengthPenalty(length: number, alpha: number): number {
  return alpha === 0 ? 1 : Math.pow((5 + length) / 6, alpha);
}

/** score = logProb / lp(length), length counting EOS when the hypothesis is finished. */
export function normalizedScore(logProb: number, length: number, alpha: number): number {
  return logProb / lengthPenalty(length, alpha);
}

function hypothesis(tokens: number[], logProb: number, finished: boolean, alpha: number): Hypothesis {
  return { tokens, logProb, finished, score: normalizedScore(logProb, tokens.length + (finished ? 1 : 0), alpha) };
}

interface Checked<S> extends SearchOptions<S> {
  beamSize: number;
  lengthPenalty: number;
}

function check<S>(o: SearchOptions<S>): Checked<S> {
  if (typeof o !== 'object' || o === null) throw new TypeError(`beamSearch(options): expected an object, received ${describe(o)}`);
  if (typeof o.step !== 'function') throw new TypeError(`beamSearch(options.step): expected a function, received ${describe(o.step)}`);
  if (typeof o.select !== 'function') throw new TypeError(`beamSearch(options.select): expected a function, received ${describe(o.select)}`);
  const V = checkInt('vocabSize', o.vocabSize, 1);
  checkInt('bosId', o.bosId, 0, V - 1);
  checkInt('eosId', o.eosId, 0, V - 1);
  checkInt('maxLength', o.maxLength, 1);
  return {
    ...o,
    beamSize: checkInt('beamSize', o.beamSize ?? 1, 1),
    lengthPenalty: checkNumber('lengthPenalty', o.lengthPenalty ?? 0.6, { min: 0 }),
  };
}

function checkRows(logProbs: ArrayLike<number>, rows: number, V: number): void {
  if (typeof logProbs !== 'object' || logProbs === null || logProbs.length !== rows * V) {
    throw new RangeError(`beamSearch: step must return logProbs of ${rows} × vocabSize ${V} = ${rows * V} values, received ${describe(logProbs)}`);
  }
}

/** Greedy search from the one-row initial state. */
export function greedySearch<S>(options: SearchOptions<S>): Hypothesis {
  const o = check(options);
  return greedy(o);
}

function greedy<S>(o: Checked<S>): Hypothesis {
  const V = o.vocabSize;
  const tokens: number[] = [];
  let state = o.initial;
  let logProb = 0;
  let prev = o.bosId;
  while (tokens.length < o.maxLength) {
    const r = o.step(Int32Array.of(prev), state);
    checkRows(r.logProbs, 1, V);
    state = r.state;
    let best = 0;
    for (let v = 1; v < V; v++) if (r.logProbs[v] > r.logProbs[best]) best = v;
    logProb += r.logProbs[best];
    if (best === o.eosId) return hypothesis(tokens, logProb, true, o.lengthPenalty);
    tokens.push(best);
    prev = best;
  }
  return hypothesis(tokens, logProb, false, o.lengthPenalty);
}

/** The row's top n token ids by log-probability (ties: lower id first), best first. */
function topTokens(logProbs: ArrayLike<number>, offset: number, V: number, n: number): number[] {
  const top: number[] = [];
  for (let v = 0; v < V; v++) {
    const lp = logProbs[offset + v];
    if (top.length === n && !(lp > logProbs[offset + top[n - 1]])) continue;
    let i = top.length === n ? n - 1 : top.length;
    if (top.length < n) top.push(v);
    while (i > 0 && lp > logProbs[offset + top[i - 1]]) {
      top[i] = top[i - 1];
      i--;
    }
    top[i] = v;
  }
  return top;
}

interface Live {
  tokens: number[];
  logProb: number;
}

/** Beam search (see the file comment); beamSize 1 is greedy search. */
export function beamSearch<S>(options: SearchOptions<S>): Hypothesis {
  const o = check(options);
  const greedyResult = greedy(o);
  if (o.beamSize === 1) return greedyResult;
  let best = greedyResult;
  for (const h of beam(o)) if (h.score > best.score) best = h;
  return best;
}

function beam<S>(o: Checked<S>): Hypothesis[] {
  const { vocabSize: V, beamSize: k, eosId, lengthPenalty: alpha, maxLength } = o;
  const done: Hypothesis[] = [];
  let bestDone = -Infinity;
  let live: Live[] = [{ tokens: [], logProb: 0 }];
  let state = o.initial;
  for (let t = 1; t <= maxLength; t++) {
    const prev = Int32Array.from(live, (h) => (h.tokens.length ? h.tokens[h.tokens.length - 1] : o.bosId));
    const r = o.step(prev, state);
    checkRows(r.logProbs, live.length, V);
    const cands: { row: number; token: number; logProb: number }[] = [];
    live.forEach((h, row) => {
      for (const token of topTokens(r.logProbs, row * V, V, Math.min(k + 1, V))) cands.push({ row, token, logProb: h.logProb + r.logProbs[row * V + token] });
    });
    cands.sort((a, b) => b.logProb - a.logProb || a.row - b.row || a.token - b.token);
    const next: Live[] = [];
    const rows: number[] = [];
    for (let rank = 0; rank < cands.length && next.length < k; rank++) {
      const c = cands[rank];
      if (c.token === eosId) {
        if (rank < k) {
          const h = hypothesis(live[c.row].tokens, c.logProb, true, alpha);
          done.push(h);
          bestDone = Math.max(bestDone, h.score);
        }
      } else {
        next.push({ tokens: [...live[c.row].tokens, c.token], logProb: c.logProb });
        rows.push(c.row);
      }
    }
    if (t === maxLength) {
      for (const h of next) done.push(hypothesis(h.tokens, h.logProb, false, alpha));
      break;
    }
    if (next.length === 0) break;
    // A live hypothesis's best possible final score: its log P can only fall, and lp is largest at maxLength.
    const lpMax = lengthPenalty(maxLength, alpha);
    if (next.every((h) => h.logProb / lpMax <= bestDone)) break;
    live = next;
    state = o.select(r.state, Int32Array.from(rows));
  }
  return done;
}
