/**
 * Property-based fuzz of the layers (RNN, LSTM, GRU, the one-step cells, Embedding, Linear, attention) on both
 * engines: hostile options, shapes, values (NaN, ±Inf, denormals), lengths, detached and shared buffers, and
 * concurrent async calls. Every call succeeds with finite, correctly shaped output (when its inputs were
 * finite) or throws a documented error; afterwards the layer still computes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Embedding, GRU, GRUCell, LSTM, LSTMCell, LayerBusyError, Linear, RNN, RNNCell } from '../../src/index.js';
import { LuongAttention } from '../../src/layers/attention.js';
import { testBackends } from '../helpers/backends.js';
import {
  allFinite, expectFinite, expectShape, hostileData, hostileFloat, hostileSize, params, probe, probeAsync, reportTally, totalCalls,
} from './fuzz-helpers.js';

reportTally('fuzz-layers');
const engines = testBackends().map((b) => b.name as 'native' | 'reference');
const LAYERS = { rnn: RNN, lstm: LSTM, gru: GRU } as const;
const CELLS = { rnn: RNNCell, lstm: LSTMCell, gru: GRUCell } as const;

const layerOptions = fc.record({
  kind: fc.constantFrom('rnn', 'lstm', 'gru') as fc.Arbitrary<'rnn' | 'lstm' | 'gru'>,
  inputSize: hostileSize,
  hiddenSize: hostileSize,
  numLayers: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: hostileSize }),
  bidirectional: fc.oneof({ weight: 8, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.constantFrom<unknown>(1, 'yes', null) }),
  batchFirst: fc.boolean(),
  dropout: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(0, 0.25) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(1, -0.1, NaN, 2, '0.5') }),
  projSize: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 1, 2, 100, -1) }),
  backend: fc.constantFrom(...engines),
  seed: fc.integer({ min: 0, max: 1000 }),
  threads: fc.constant(1),
});

const call = fc.record({
  B: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constant(0) }),
  T: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constant(0) }),
  values: fc.array(hostileFloat, { minLength: 1, maxLength: 16 }),
  lengths: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(fc.constantFrom<unknown>(0, -1, 9, 1.5, NaN, '2'), { minLength: 1, maxLength: 4 }) },
  ),
  withH0: fc.boolean(),
  grads: fc.array(hostileFloat, { minLength: 1, maxLength: 8 }),
  badShape: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 4 }) }),
});

describe('fuzz: recurrent layers', () => {
  it('constructors, forward, backward and concurrent async calls', async () => {
    await fc.assert(fc.asyncProperty(layerOptions, call, async (o, c) => {
      const Layer = LAYERS[o.kind];
      const { kind, ...options } = o;
      const layer = probe(`${kind} constructor`, () => new Layer(options as never));
      if (!layer) return;
      const { B, T } = c;
      const I = layer.inputSize;
      const shape = c.badShape ?? (layer.batchFirst ? [B, T, I] : [T, B, I]);
      const x = { data: fc.sample(hostileData(B * T * I, c.values), { numRuns: 1, seed: c.values.length })[0], shape, lengths: c.lengths };
      const P = layer.stateSize;
      const D = layer.numDirections;
      const h0 = c.withH0 ? { data: new Float32Array(layer.numLayers * D * B * P).fill(0.1), shape: [layer.numLayers * D, B, P] } : null;
      const finite = allFinite(c.values) && x.data instanceof Float32Array && x.data.length === B * T * I;
      const out = probe(`${kind}.forward`, () => layer.forward(x as never, h0), (r) => {
        expectShape(`${kind}.forward output`, r.output, layer.batchFirst ? [B, T, D * P] : [T, B, D * P]);
        expectShape(`${kind}.forward hN`, r.hN, [layer.numLayers * D, B, P]);
        if (finite) expectFinite(`${kind}.forward`, r.output.data);
      });
      if (!out) return;
      const dOutput = { data: Float32Array.from(out.output.data, (_, i) => c.grads[i % c.grads.length]), shape: out.output.shape };
      probe(`${kind}.backward`, () => layer.backward({ dOutput }), (r) => {
        expectShape(`${kind}.backward dInput`, r.dInput, x.shape);
        if (finite && allFinite(c.grads)) expectFinite(`${kind}.backward`, r.dInput.data);
      });
      // Two async callers on one layer: the second gets LayerBusyError, the first completes correctly.
      const first = probeAsync(`${kind}.forwardAsync`, () => layer.forwardAsync(x as never, h0));
      let busy: unknown = null;
      try {
        await layer.forwardAsync(x as never, h0);
      } catch (err) {
        busy = err;
      }
      expect(busy).toBeInstanceOf(LayerBusyError);
      const again = await first;
      if (again && finite && layer.dropout === 0) expect(Array.from(again.output.data)).toEqual(Array.from(layer.eval().forward(x as never, h0).output.data));
    }), params(400));
  });
});

describe('fuzz: one-step cells', () => {
  it('constructors, forward and LIFO backward', () => {
    fc.assert(fc.property(layerOptions, call, (o, c) => {
      const Cell = CELLS[o.kind];
      const cell = probe(`${o.kind}Cell constructor`, () => new Cell({ inputSize: o.inputSize, hiddenSize: o.hiddenSize, backend: o.backend, seed: o.seed, threads: 1 } as never));
      if (!cell) return;
      const { B } = c;
      const I = cell.inputSize;
      const H = cell.hiddenSize;
      const x = { data: fc.sample(hostileData(B * I, c.values), { numRuns: 1, seed: 1 })[0], shape: c.badShape ?? [B, I] };
      const finite = allFinite(c.values) && x.data instanceof Float32Array && x.data.length === B * I;
      const steps = Math.max(1, c.T);
      let state: { h: { data: Float32Array; shape: number[] }; c?: { data: Float32Array; shape: number[] } } | undefined;
      let kept = 0;
      for (let t = 0; t < steps; t++) {
        const next = probe(`${o.kind}Cell.forward`, () => (cell as RNNCell).forward(x as never, state?.h, state?.c as never) as typeof state, (r) => {
          expectShape(`${o.kind}Cell h`, r!.h, [B, H]);
          if (finite) expectFinite(`${o.kind}Cell h`, r!.h.data);
        });
        if (!next) break;
        state = next;
        kept++;
      }
      for (let t = 0; t < kept; t++) {
        const dh = { data: new Float32Array(B * H).fill(c.grads[t % c.grads.length]), shape: [B, H] };
        probe(`${o.kind}Cell.backward`, () => cell.backward({ dh }), (r) => {
          expectShape(`${o.kind}Cell dInput`, r.dInput, [B, I]);
          if (finite && allFinite(c.grads)) expectFinite(`${o.kind}Cell dInput`, r.dInput.data);
        });
      }
      expect(cell.historyLength).toBe(0);
    }), params(400));
  });
});

describe('fuzz: Embedding, Linear, attention', () => {
  it('hostile ids, shapes and values', () => {
    const ids = fc.array(fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 7, 1.5, NaN, 2 ** 31, Infinity) }), { maxLength: 12 });
    fc.assert(fc.property(hostileSize, hostileSize, ids, fc.array(hostileFloat, { minLength: 1, maxLength: 8 }), fc.constantFrom(...engines), (n, d, idList, values, backend) => {
      const emb = probe('Embedding constructor', () => new Embedding({ numEmbeddings: n as number, embeddingDim: d as number, paddingIdx: 0 }));
      if (emb) {
        const out = probe('Embedding.forward', () => emb.forward({ data: idList, shape: [idList.length] }), (r) => {
          expectShape('Embedding output', r, [idList.length, emb.embeddingDim]);
          expectFinite('Embedding output', r.data);
        });
        if (out) probe('Embedding.backward', () => emb.backward({ data: new Float32Array(out.data.length).fill(values[0]), shape: out.shape }));
      }
      const lin = probe('Linear constructor', () => new Linear({ inFeatures: n as number, outFeatures: d as number, backend, seed: 1, threads: 1 }));
      if (lin) {
        const rows = idList.length;
        const x = { data: fc.sample(hostileData(rows * lin.inFeatures, values), { numRuns: 1, seed: 2 })[0], shape: [rows, lin.inFeatures] };
        const finite = allFinite(values) && x.data instanceof Float32Array && x.data.length === rows * lin.inFeatures;
        const y = probe('Linear.forward', () => lin.forward(x as never), (r) => {
          expectShape('Linear output', r, [rows, lin.outFeatures]);
          if (finite) expectFinite('Linear output', r.data);
        });
        if (y) probe('Linear.backward', () => lin.backward({ data: new Float32Array(y.data.length).fill(values[0]), shape: y.shape }), (r) => expectShape('Linear dx', r, x.shape));
      }
      const att = probe('LuongAttention constructor', () => new LuongAttention({ querySize: n as number, keySize: d as number, score: 'general', seed: 1 }));
      if (att) {
        const B = 1 + (idList.length % 3);
        const S = 1 + (idList.length % 4);
        const q = { data: new Float32Array(B * att.querySize).fill(values[0]), shape: [B, att.querySize] };
        const mem = { data: new Float32Array(B * S * att.keySize).fill(values[values.length - 1]), shape: [B, S, att.keySize], lengths: idList.length ? idList.slice(0, B) : undefined };
        probe('LuongAttention.forward', () => att.forward(q, mem), (r) => {
          expectShape('attention context', r.context, [B, att.keySize]);
          if (allFinite(values)) expectFinite('attention weights', r.weights.data);
        });
      }
    }), params(700));
    expect(totalCalls()).toBeGreaterThan(0);
  });
});
