/**
 * `npm run bench:denormals` — does a batch full of denormal numbers slow the native engine down?
 *
 * Times one training step (forward with cache + BPTT backward, public layer API) of RNN, LSTM and GRU
 * B32 T64 I=H=128 on the native engine, for ordinary inputs (uniform ±1) and for denormal-heavy ones (x and
 * h0 uniform ±1e-39, so every pre-activation and state stays in the denormal range), 1 and 2 threads;
 * prints the median time of each and their ratio. The engine flushes denormals to zero (FTZ/DAZ) in its
 * worker threads and during each kernel call, so the ratio stays near 1; without that it reaches several ×.
 * Exits 1 when a ratio is above --max (default 2).
 */
import { GRU, LSTM, RNN, type RecurrentLayer } from '../src/index.js';

const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const max = arg('--max', 2);
const runs = arg('--runs', 15);
const B = 32;
const T = 64;
const H = 128;

function fill(a: Float32Array, scale: number, seed: number): Float32Array {
  let s = seed;
  for (let i = 0; i < a.length; i++) {
    s = (s * 48271) % 2147483647;
    a[i] = (s / 2147483647 * 2 - 1) * scale;
  }
  return a;
}

function stepMs(layer: RecurrentLayer, scale: number): number {
  const x = { data: fill(new Float32Array(B * T * H), scale, 1), shape: [B, T, H] };
  const h0 = { data: fill(new Float32Array(layer.numLayers * B * H), scale, 2), shape: [1, B, H] };
  const c0 = layer.cell === 'lstm' ? { data: fill(new Float32Array(B * H), scale, 3), shape: [1, B, H] } : null;
  const dOutput = { data: fill(new Float32Array(B * T * H), scale, 4), shape: [B, T, H] };
  const times: number[] = [];
  for (let r = 0; r < runs + 2; r++) {
    const start = performance.now();
    layer.forward(x, h0, c0);
    layer.backward({ dOutput });
    if (r >= 2) times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

let worst = 0;
console.log(`denormal slowdown, native engine, B${B} T${T} H${H}, forward + backward, median of ${runs} (shared machine: expect noise)`);
console.log('| cell | threads | ordinary ms | denormal ms | ratio |');
console.log('| --- | --- | --- | --- | --- |');
for (const [name, Layer] of [['RNN', RNN], ['LSTM', LSTM], ['GRU', GRU]] as const) {
  for (const threads of [1, 2]) {
    const layer = new Layer({ inputSize: H, hiddenSize: H, backend: 'native', threads, seed: 1 });
    // Alternate so machine noise hits both alike.
    const normal: number[] = [];
    const denormal: number[] = [];
    for (let k = 0; k < 3; k++) {
      normal.push(stepMs(layer, 1));
      denormal.push(stepMs(layer, 1e-39));
    }
    const n = normal.sort((a, b) => a - b)[1];
    const d = denormal.sort((a, b) => a - b)[1];
    worst = Math.max(worst, d / n);
    console.log(`| ${name} | ${threads} | ${n.toFixed(2)} | ${d.toFixed(2)} | ${(d / n).toFixed(2)}× |`);
  }
}
console.log(`worst ratio ${worst.toFixed(2)}× (limit ${max}×)`);
if (worst > max) process.exitCode = 1;
