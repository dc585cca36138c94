/**
 * The load test (scripts/load-test.ts, and its short version in test/hostile/load.test.ts): the example
 * service (examples/http-service.ts) in this process, training a model with fit meanwhile, and a client
 * process sending `clients` concurrent requests for `seconds`. Reports errors, request latency (p50, p99)
 * and this process's event-loop delay (monitorEventLoopDelay, 1 ms resolution) while both ran.
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { backgroundTraining, createPredictionServer, servedModel } from '../examples/http-service.js';

export interface LoadResult {
  requests: number;
  errors: number;
  firstErrors: string[];
  latencyMs: { p50: number; p99: number; max: number };
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  trainingBatches: number;
  seconds: number;
}

export async function loadTest(seconds: number, clients: number, { train = true }: { train?: boolean } = {}): Promise<LoadResult> {
  const server = createPredictionServer(servedModel());
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  const stop = new AbortController();
  let batches = 0;
  // Training starts first; measuring starts once its first batch is done (model built, kernels warm).
  let started!: () => void;
  const firstBatch = new Promise<void>((ok) => (started = ok));
  const training = train
    ? backgroundTraining(stop, Infinity, () => {
      batches++;
      if (batches === 1) started();
    })
    : (started(), Promise.resolve());
  await firstBatch;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const start = performance.now();
  const client = spawn(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), 'load-client.mjs'), String(port), String(clients), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  client.stdout.on('data', (d) => (out += String(d)));
  await new Promise((ok) => client.on('exit', ok));
  delay.disable();
  const elapsed = (performance.now() - start) / 1000;
  const done = batches;
  stop.abort();
  await training;
  await new Promise((ok) => server.close(ok));
  const c = JSON.parse(out.trim().split('\n').at(-1)!) as { requests: number; errors: number; firstErrors: string[]; p50: number; p99: number; max: number };
  const ms = (ns: number) => Math.round((ns / 1e6) * 100) / 100;
  return {
    requests: c.requests, errors: c.errors, firstErrors: c.firstErrors,
    latencyMs: { p50: c.p50, p99: c.p99, max: c.max },
    eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
    trainingBatches: Math.max(0, done - 1), seconds: elapsed,
  };
}
