/**
 * fastrnn train: read the data once for the vocabularies, build the model, fit it (checkpointing into
 * <out>.checkpoint, stopping between batches on --time-budget or Ctrl-C), measure it on the held-out data
 * (or the training data when none is held out), and write the model directory (config.json,
 * model.safetensors, vocab.json) and history.json. Every check that can fail on bad input — the output
 * directory, the data files, every record — runs before training starts, and the model directory is
 * written whole or not at all.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { evaluate, fit, hasCheckpoint, Rng, type FitOptions, type History, type TrainableModel } from '../../index.js';
import { dataSource, encodeAll, heldOut, isLarge, records, streamed, type DataSource } from '../data.js';
import { CliError, EXIT_INTERRUPTED, EXIT_OK, UsageError } from '../errors.js';
import { lexicon, type Lexicon } from '../meta.js';
import { checkOutDir } from '../model-dir.js';
import { Output, type Io } from '../output.js';
import { stopper, type Stopper } from '../stop.js';
import { taskFor, type Task } from '../tasks/index.js';
import { figure } from '../tasks/task.js';
import { keepRecordedReport, trainReportOptions } from '../report.js';
import { modelFlags, readRun, textSettings, trainingSettings, writeRun, type RunRecord, type TrainArgs, type TrainingSettings } from './settings.js';

interface Prepared {
  train: unknown[] | (AsyncIterable<unknown> & { seen: number });
  validation: unknown[] | AsyncIterable<unknown> | null;
}

export async function runTrain(args: TrainArgs, given: (key: string) => boolean, io: Io): Promise<number> {
  const out = new Output(io, args.json, args.quiet);
  const outDir = resolve(args.out);
  const ckptDir = resolve(args.checkpointDir ?? `${outDir}.checkpoint`);
  if (ckptDir === outDir || ckptDir.startsWith(outDir + sep)) {
    throw new UsageError(`--checkpoint-dir ${args.checkpointDir}: expected a directory outside --out ${args.out} (saving the model replaces that directory whole)`);
  }
  const saved = args.resume ? await readRun(ckptDir) : null;
  if (saved && args.task && args.task !== saved.task) {
    throw new CliError(`--resume: the checkpoint in ${ckptDir} is of a ${saved.task} run; expected --task ${saved.task} (or none), received --task ${args.task}`);
  }
  const taskName = saved?.task ?? args.task;
  if (!taskName) throw new UsageError("train: expected --task classify|tag|lm|seq2seq (required unless --resume)");
  if (given('valid') && given('validationSplit')) throw new UsageError('--valid and --validation-split: expected one way to hold data out, received both');
  const task = taskFor(taskName);
  await checkOutDir(args.out, taskName);
  if (saved && !hasCheckpoint(ckptDir)) throw new CliError(`--resume: ${ckptDir} holds no checkpoint yet (training stopped before the first one); train again without --resume`);

  const training = trainingSettings(args, given, saved);
  if (training.patience !== undefined && !training.valid && training.validationSplit === undefined) {
    throw new UsageError('--patience: early stopping watches the held-out loss; expected --valid FILE or --validation-split too');
  }
  const trainSrc = await dataSource(training.data, '--data', training.format);
  const validSrc = training.valid ? await dataSource(training.valid, '--valid', training.format) : null;

  const meta = saved?.meta ?? (await task.scan(records(trainSrc), textSettings(args, taskName, given), { minFreq: args.minFreq, maxSize: args.maxVocab }, trainSrc.name));
  const lex = lexicon(meta);
  const flags = saved?.flags ?? modelFlags(args);
  // SparseAdam only pays with an embedding that records which rows its gradient touches.
  const sparseEmbedding = training.optimizer === 'sparse_adam';
  const model = task.build(lex, { ...flags, backend: args.backend, threads: args.threads, sparseEmbedding }) as unknown as TrainableModel;
  const stream = training.stream || (await isLarge(trainSrc));
  const data = await prepare(task, lex, trainSrc, validSrc, training, stream);
  out.note(describeRun(taskName, lex, data, stream, parameterCount(model)));

  const report = trainReportOptions(args, lex, taskName);
  const run: RunRecord = { format: 'fastrnn-cli-run', formatVersion: 1, task: taskName, meta, flags, training };
  if (!saved && hasCheckpoint(ckptDir)) {
    // A new run: the checkpoint of an earlier one in the same place no longer continues anything.
    out.note(`replacing the checkpoint of an earlier run in ${ckptDir} (--resume continues one instead)`);
    await rm(ckptDir, { recursive: true, force: true });
  }
  await writeRun(ckptDir, run);
  const runStart = new Date();
  const stop = stopper(args.timeBudget, (line) => out.note(line));
  const counter = { epochs: 0, batches: 0 };
  let history: History;
  const started = performance.now();
  try {
    stop.start();
    history = await fit(model, data.train, { ...fitOptions(args, training, data, stop, out, counter, ckptDir, saved !== null), ...(report ? { report } : {}) });
  } catch (err) {
    if (!saved && !hasCheckpoint(ckptDir)) await rm(ckptDir, { recursive: true, force: true });
    throw err;
  } finally {
    stop.dispose();
  }
  const trainSeconds = (performance.now() - started) / 1000;
  const sequences = Array.isArray(data.train)
    ? counter.epochs * data.train.length + Math.min(counter.batches * training.batchSize, data.train.length)
    : data.train.seen;

  const evaluated = data.validation ?? data.train;
  const metrics = await evaluate(model, evaluated, { batchSize: training.batchSize });
  await (model as unknown as { save(dir: string, o: { vocab: { toJSON(): unknown } }): Promise<void> }).save(outDir, { vocab: { toJSON: () => meta } });
  await writeJsonAtomic(join(outDir, 'history.json'), { ...history, trainSeconds, sequences, stoppedBy: stop.reason });
  if (report && (await keepRecordedReport(report.dir, outDir, runStart))) out.note(`training report: ${join(resolve(report.dir), 'index.html')}`);

  if (stop.reason === null && !args.keepCheckpoint) await rm(ckptDir, { recursive: true, force: true });
  const figures: Record<string, number | string> = {
    ...task.figures(metrics),
    trainSeconds: figure(trainSeconds),
    sequencesPerSecond: figure(trainSeconds > 0 ? sequences / trainSeconds : 0),
    epochs: history.epochs,
    evaluatedOn: data.validation ? 'validation' : 'train',
    stopped: stop.reason ?? (history.stoppedEarly ? 'early-stopping' : 'completed'),
  };
  out.line(`saved ${taskName} model to ${outDir}${stop.reason ? ` (stopped early: ${stop.reason})` : ''}`);
  if (stop.reason) out.line(`the checkpoint in ${ckptDir} continues this run: fastrnn train --resume --data ${training.data} --out ${args.out}${args.checkpointDir ? ` --checkpoint-dir ${args.checkpointDir}` : ''}`);
  out.figures(figures);
  return stop.reason === 'interrupt' ? EXIT_INTERRUPTED : EXIT_OK;
}

async function prepare(task: Task, lex: Lexicon, trainSrc: DataSource, validSrc: DataSource | null, t: TrainingSettings, stream: boolean): Promise<Prepared> {
  if (stream) {
    const split = t.validationSplit;
    const held = split === undefined ? null : heldOut(t.seed, split);
    return {
      train: streamed(task, lex, trainSrc, held ? (i) => !held(i) : undefined),
      validation: validSrc ? streamed(task, lex, validSrc) : held ? streamed(task, lex, trainSrc, held) : null,
    };
  }
  const all = await encodeAll(task, lex, trainSrc);
  const validation = validSrc ? await encodeAll(task, lex, validSrc) : null;
  if (t.validationSplit === undefined) return { train: all, validation };
  // A seeded hold-out of examples (the same on --resume, which keeps the seed).
  const n = all.length;
  const count = Math.max(1, Math.round(n * t.validationSplit));
  if (count >= n) throw new CliError(`--validation-split ${t.validationSplit}: of ${n} examples it leaves none to train on; expected a smaller fraction or more data`);
  const order = new Rng(t.seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const isHeld = new Uint8Array(n);
  for (let k = 0; k < count; k++) isHeld[order[k]] = 1;
  return { train: all.filter((_, i) => !isHeld[i]), validation: all.filter((_, i) => isHeld[i]) };
}

function fitOptions(
  args: TrainArgs, t: TrainingSettings, data: Prepared, stop: Stopper, out: Output,
  counter: { epochs: number; batches: number }, ckptDir: string, resume: boolean,
): FitOptions {
  return {
    epochs: t.epochs,
    batchSize: t.batchSize,
    optimizer: { name: t.optimizer, ...(t.lr !== undefined ? { lr: t.lr } : {}) } as FitOptions['optimizer'],
    ...(t.clip !== undefined ? { clipGradNorm: t.clip } : {}),
    seed: t.seed,
    ...(data.validation ? { validationData: data.validation } : {}),
    ...(t.patience !== undefined ? { earlyStopping: { patience: t.patience } } : {}),
    signal: stop.signal,
    verbose: args.json || args.quiet ? false : 'auto',
    checkpoint: { dir: ckptDir, ...(args.checkpointEvery !== undefined ? { everyBatches: args.checkpointEvery } : {}) },
    ...(resume ? { resume: ckptDir } : {}),
    onBatchEnd: async () => {
      counter.batches++;
      await stop.tick();
    },
    onEpochEnd: ({ epoch, epochs, logs }) => {
      counter.epochs++;
      counter.batches = 0;
      if (args.json) out.note(`epoch ${epoch + 1}/${epochs}  ${Object.entries(logs).map(([k, v]) => `${k} ${figure(v)}`).join('  ')}`);
    },
  };
}

function parameterCount(model: TrainableModel): number {
  return model.parameters().reduce((s, p) => s + p.value.data.length, 0);
}

function describeRun(task: string, lex: Lexicon, data: Prepared, stream: boolean, params: number): string {
  const size = (d: unknown[] | AsyncIterable<unknown> | null): string => (d === null ? 'none' : Array.isArray(d) ? String(d.length) : 'streamed');
  const target = lex.targetVocab ? `, target vocabulary ${lex.targetVocab.size}` : '';
  const names = lex.names.length ? `, ${lex.names.length} ${task === 'tag' ? 'tags' : task === 'lm' ? 'conditions' : 'labels'}` : '';
  return `${task}: vocabulary ${lex.vocab.size}${target}${names}; examples: train ${size(data.train)}, held out ${size(data.validation)}${stream ? ' (streamed from disk)' : ''}; ${params.toLocaleString('en-US')} parameters`;
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await rename(tmp, path);
}
