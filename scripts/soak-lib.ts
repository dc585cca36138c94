/**
 * The leak soak (scripts/soak.ts, and its short version in test/hostile/soak.test.ts): runs many calls,
 * samples RSS and external memory after a full GC every `every` iterations, and fits a least-squares
 * line to the samples after the warm-up (the first fifth). The slope — bytes per iteration — is the
 * figure; a leak of even a few dozen bytes per call shows up over 100,000 calls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Embedding, GRU, GRUCell, LSTM, Linear, RNN, SequenceClassifier, loadModel } from '../src/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

export interface Slope {
  /** bytes per iteration, least squares after the warm-up */
  rss: number;
  external: number;
  /** the JS heap after GC: far less noisy than RSS in a short run */
  heap: number;
  samples: number;
  iterations: number;
  /** memory at the first and last sample after warm-up, MiB */
  rssMiB: [number, number];
  externalMiB: [number, number];
}

function fitSlope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Runs `step(i)` for i < iterations, sampling memory every `every`; returns the fitted slopes. */
export async function soak(iterations: number, every: number, step: (i: number) => void | Promise<void>): Promise<Slope> {
  const xs: number[] = [];
  const rss: number[] = [];
  const ext: number[] = [];
  const heap: number[] = [];
  for (let i = 0; i < iterations; i++) {
    await step(i);
    if ((i + 1) % every === 0) {
      gc();
      gc();
      const m = process.memoryUsage();
      xs.push(i + 1);
      rss.push(m.rss);
      ext.push(m.external + m.arrayBuffers);
      heap.push(m.heapUsed);
    }
  }
  const from = Math.floor(xs.length / 5);
  const [x, r, e, h] = [xs.slice(from), rss.slice(from), ext.slice(from), heap.slice(from)];
  const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  return {
    rss: fitSlope(x, r), external: fitSlope(x, e), heap: fitSlope(x, h), samples: x.length, iterations,
    rssMiB: [mib(r[0]), mib(r[r.length - 1])], externalMiB: [mib(e[0]), mib(e[e.length - 1])],
  };
}

/** One of several layer calls, in turn: forward and backward (sync and async) of every layer kind. */
export function layerCalls(backend: 'native' | 'reference'): (i: number) => Promise<void> {
  const o = { backend, threads: 1, seed: 1 } as const;
  const rnn = new RNN({ inputSize: 8, hiddenSize: 16, numLayers: 2, bidirectional: true, ...o });
  const lstm = new LSTM({ inputSize: 8, hiddenSize: 16, projSize: 8, ...o });
  const gru = new GRU({ inputSize: 8, hiddenSize: 16, ...o });
  const cell = new GRUCell({ inputSize: 8, hiddenSize: 16, ...o });
  const lin = new Linear({ inFeatures: 16, outFeatures: 4, ...o });
  const emb = new Embedding({ numEmbeddings: 50, embeddingDim: 8, seed: 1 });
  const x = (B: number, T: number) => ({ data: new Float32Array(B * T * 8).fill(0.1), shape: [B, T, 8], lengths: Array.from({ length: B }, (_, b) => 1 + ((b * 3) % T)) });
  return async (i) => {
    const B = 1 + (i % 4);
    const T = 1 + (i % 7);
    switch (i % 6) {
      case 0: {
        const { output } = rnn.forward(x(B, T));
        rnn.backward({ dOutput: output });
        break;
      }
      case 1: {
        const { output } = await lstm.forwardAsync(x(B, T));
        await lstm.backwardAsync({ dOutput: output });
        break;
      }
      case 2: {
        const { hN } = gru.forward(x(B, T), null, null, { returnOutput: false });
        gru.backward({ dhN: hN }, { inputGradient: false });
        break;
      }
      case 3: {
        const { h } = cell.forward({ data: new Float32Array(B * 8).fill(0.2), shape: [B, 8] });
        cell.backward({ dh: h });
        break;
      }
      case 4: {
        const y = lin.forward({ data: new Float32Array(B * 16).fill(0.3), shape: [B, 16] });
        lin.backward(y);
        break;
      }
      default: {
        const v = emb.forward({ data: Array.from({ length: B * T }, (_, k) => k % 50), shape: [B, T] });
        emb.backward(v);
      }
    }
  };
}

/** One create → save → load → drop cycle of a model directory. */
export function modelCycles(backend: 'native' | 'reference'): { step: (i: number) => Promise<void>; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'fastrnn-soak-'));
  return {
    step: async (i) => {
      const model = new SequenceClassifier({ vocabSize: 40, embeddingDim: 8, hiddenSize: 16, numClasses: 3, cell: i % 2 ? 'lstm' : 'gru', seed: i, backend, threads: 1 });
      const path = join(dir, `m${i % 3}`);
      await model.save(path);
      const { model: loaded } = await loadModel(path, { backend });
      (loaded as SequenceClassifier).forward({ data: [1, 2, 3], shape: [1, 3] });
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
