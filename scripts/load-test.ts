/**
 * `npm run load-test` — 200 concurrent loopback clients for 30 s against examples/http-service.ts while the
 * same process trains a B32 T64 H256 LSTM with fit. Prints errors, request latency p50/p99 and the
 * event-loop delay p99; exits 1 on any error or an event-loop delay p99 of 5 ms or more.
 * Options: --seconds N, --clients N, --no-training (the service alone, for comparison).
 */
import { loadTest } from './load-lib.js';

const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const seconds = arg('--seconds', 30);
const clients = arg('--clients', 200);
const r = await loadTest(seconds, clients, { train: !process.argv.includes('--no-training') });
const f = (v: number) => v.toFixed(2);
console.log(`${clients} clients, ${r.seconds.toFixed(1)} s, ${r.requests} requests (${Math.round(r.requests / r.seconds)}/s), ${r.errors} errors; ` +
  `latency p50 ${f(r.latencyMs.p50)} ms, p99 ${f(r.latencyMs.p99)} ms, max ${f(r.latencyMs.max)} ms; ` +
  `event-loop delay p50 ${f(r.eventLoopDelayMs.p50)} ms, p99 ${f(r.eventLoopDelayMs.p99)} ms, max ${f(r.eventLoopDelayMs.max)} ms; ` +
  `${r.trainingBatches} training batches meanwhile`);
if (r.errors) console.log(`first errors: ${r.firstErrors.join(' | ')}`);
if (r.errors > 0 || r.eventLoopDelayMs.p99 >= 5) process.exitCode = 1;
