/**
 * A prediction service that keeps answering while the same process trains: node:http serves a
 * SequenceClassifier's predictions (GET /predict?ids=3,1,4 → { probabilities }) while `fit` trains another
 * model in the background. The kernels of fit run on the native engine's worker threads, and fit yields
 * between its steps, so a request waits for at most a short slice of training work.
 *
 *   npx tsx examples/http-service.ts            # serves on http://127.0.0.1:8080 while a model trains
 *   npm run load-test                           # 200 concurrent clients for 30 s: latency, event-loop delay
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SequenceClassifier, fit, type History } from '../src/index.js';

/**
 * Batches concurrent requests: while one async forward runs, new requests wait in a queue, and the next
 * forward takes all of them at once (padded, with their lengths). One model runs one call at a time
 * (a second concurrent call would get LayerBusyError), so this is how many clients share it.
 */
export class Batcher {
  private queue: { ids: number[]; resolve: (p: number[]) => void; reject: (e: Error) => void }[] = [];
  private running = false;

  constructor(private readonly model: SequenceClassifier, private readonly maxBatch = 64) {}

  predict(ids: number[]): Promise<number[]> {
    // Checked here, so one bad request fails alone instead of failing its whole batch.
    const V = this.model.embedding.numEmbeddings;
    if (ids.length === 0 || ids.length > 512 || !ids.every((id) => Number.isInteger(id) && id >= 0 && id < V)) {
      return Promise.reject(new RangeError(`ids: expected 1 to 512 integers in [0, ${V - 1}], received ${JSON.stringify(ids.slice(0, 8))}`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ ids, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      const T = Math.max(...batch.map((r) => r.ids.length));
      const data = new Int32Array(batch.length * T);
      batch.forEach((r, b) => data.set(r.ids, b * T));
      try {
        const p = await this.model.predictProbaAsync({ data, shape: [batch.length, T] }, batch.map((r) => r.ids.length));
        const C = p.shape[1];
        batch.forEach((r, b) => r.resolve(Array.from(p.data.subarray(b * C, (b + 1) * C))));
      } catch (err) {
        for (const r of batch) r.reject(err as Error);
      }
    }
    this.running = false;
  }
}

/** Answers GET /predict?ids=… with the model's class probabilities; 400 with a message for bad input. */
export function createPredictionServer(model: SequenceClassifier): http.Server {
  const batcher = new Batcher(model);
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/predict') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"expected GET /predict?ids=…"}');
      return;
    }
    const ids = (url.searchParams.get('ids') ?? '').split(',').filter(Boolean).map(Number);
    batcher.predict(ids).then(
      (probabilities) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ probabilities })),
      // A bad request (ids out of range, not numbers, empty) is the client's error, with the library's message.
      (err: Error) => res.writeHead(err instanceof TypeError || err instanceof RangeError ? 400 : 500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: err.message })),
    );
  });
}

/** The model the service trains meanwhile (the B32 T64 H256 LSTM), and its data. */
export function backgroundTraining(stop: AbortController, seconds = Infinity, onBatch?: () => void): Promise<History> {
  const examples = Array.from({ length: 512 }, (_, i) => {
    const ids = Array.from({ length: 64 }, (_, t) => 1 + ((i * 31 + t * 7) % 99));
    return { ids, label: ids.slice(0, 8).includes(5) ? 1 : 0 };
  });
  const model = new SequenceClassifier({ vocabSize: 100, embeddingDim: 128, hiddenSize: 256, numClasses: 2, cell: 'lstm', seed: 2, backend: 'native', threads: 1 });
  const deadline = performance.now() + seconds * 1000;
  return fit(model, examples, {
    epochs: 1_000_000, batchSize: 32, seed: 1, optimizer: { name: 'adam', lr: 1e-3 }, clipGradNorm: 1, verbose: false, signal: stop.signal,
    onBatchEnd: () => {
      onBatch?.();
      if (performance.now() > deadline) stop.abort();
    },
  });
}

/** The served model: a small classifier (in a real service, SequenceClassifier.load(dir)). */
export function servedModel(): SequenceClassifier {
  return new SequenceClassifier({ vocabSize: 100, embeddingDim: 32, hiddenSize: 64, numClasses: 3, cell: 'gru', seed: 1, backend: 'native', threads: 1 });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = createPredictionServer(servedModel());
  const stop = new AbortController();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  server.listen(8080, '127.0.0.1', () => console.log('serving http://127.0.0.1:8080/predict?ids=3,1,4 while a model trains (Ctrl-C to stop)'));
  const timer = setInterval(() => console.log(`event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(2)} ms`), 5000);
  process.once('SIGINT', () => {
    stop.abort();
    clearInterval(timer);
    server.close();
  });
  await backgroundTraining(stop);
}
