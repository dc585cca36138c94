/** The worker-thread entry of workers.test.ts: runs trainJob(workerData) and posts the weights back. */
import { parentPort, workerData } from 'node:worker_threads';
import { trainJob, type TrainJob } from './train-job.js';

trainJob(workerData as TrainJob).then(
  (weights) => parentPort!.postMessage({ weights }),
  (err: Error) => parentPort!.postMessage({ error: `${err.name}: ${err.message}\n${err.stack}` }),
);
