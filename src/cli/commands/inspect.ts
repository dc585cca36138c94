/**
 * `fastrnn inspect --model DIR`: what a model directory holds — task, shape, vocabularies, names,
 * parameters — and, on request, three looks inside (src/diagnostics via the public API):
 *   --trace TEXT       the hidden state after every token of TEXT
 *   --nearest WORD     the words whose embeddings point the same way
 *   --grad-norms FILE  ‖∂L/∂h_t‖ per step for a loss on the last state, over the first inputs of FILE
 *   --report OUT       the training report (src/cli/report.ts): recorded charts plus a fresh trace and nearest words
 */
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import {
  formatTrace, gradientNormsPerStep, nearest, padSequences, readModelConfig, trace,
  type AnyModel, type Embedding, type RecurrentLayer, type Seq2Seq, type TrainableModel,
} from '../../index.js';
import type { DataFormat } from '../records.js';
import { dataSource, records } from '../data.js';
import { CliError, EXIT_OK } from '../errors.js';
import { readText } from '../fields.js';
import type { Lexicon, TaskName } from '../meta.js';
import { loadCliModel, type Engine } from '../model-dir.js';
import { addEngine, addFormat, addVerbose, integer } from '../options.js';
import { Output, type Io } from '../output.js';
import { figure, fieldRef, truncate } from '../tasks/task.js';
import { taskFor } from '../tasks/index.js';
import { tokenizerFor } from '../text.js';
import { addReportOptions, writeInspectReport, type ReportArgs } from '../report.js';

interface InspectArgs extends Engine, ReportArgs {
  model: string;
  trace?: string;
  nearest?: string;
  k: number;
  gradNorms?: string;
  format?: DataFormat;
  examples: number;
  json: boolean;
}

export function inspectCommand(io: Io, setExit: (code: number) => void): Command {
  const cmd = new Command('inspect')
    .description('describe a model directory; optionally trace hidden states, find embedding neighbours, measure gradient flow')
    .requiredOption('--model <dir>', 'a model directory written by fastrnn train')
    .option('--trace <text>', 'print the hidden state after every token of this text')
    .option('--nearest <word>', 'print the words whose embeddings are most similar (cosine) to this one')
    .option('--k <n>', 'how many neighbours --nearest prints', integer(1), 10)
    .option('--grad-norms <file>', 'per-step gradient norms of a loss on the last hidden state, over inputs from this data file')
    .option('--examples <n>', 'how many inputs of the --grad-norms file to average over', integer(1), 8);
  addReportOptions(cmd, false);
  addFormat(cmd);
  cmd.option('--json', 'print everything as one JSON object on the last line of stdout', false);
  addEngine(cmd);
  addVerbose(cmd);
  cmd.action(async (args: InspectArgs) => {
    setExit(await runInspect(args, io));
  });
  return cmd;
}

/** The embedding and recurrent layer that read the input text (a seq2seq model's encoder side). */
function reader(model: AnyModel): { embedding: Embedding; rnn: RecurrentLayer } {
  if (model.kind === 'seq2seq') return { embedding: (model as Seq2Seq).encoder_embedding, rnn: (model as Seq2Seq).encoder };
  return model as unknown as { embedding: Embedding; rnn: RecurrentLayer };
}

function split(lex: Lexicon, task: TaskName): (text: string) => string[] {
  return tokenizerFor(lex.meta.settings.tokenizer, { whitespaceWords: task === 'tag' });
}

async function runInspect(args: InspectArgs, io: Io): Promise<number> {
  const out = new Output(io, args.json);
  const config = await readModelConfig(args.model);
  const { model, lex, task } = await loadCliModel(args.model, args);
  const params = model.namedParameters();
  const total = params.reduce((s, p) => s + p.value.data.length, 0);
  const summary: Record<string, unknown> = { task, kind: config.kind, fastrnn: config.fastrnn, parameters: total, config: config.config };
  out.line(`${args.model}: a model trained with --task ${task} (kind ${config.kind}, written by fastrnn ${config.fastrnn})`);
  out.line(`  ${Object.entries(config.config).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ')}`);
  const s = lex.meta.settings;
  out.line(`  vocabulary ${lex.vocab.size} (${s.tokenizer} tokenizer)${lex.targetVocab ? `; target vocabulary ${lex.targetVocab.size} (${s.targetTokenizer} tokenizer)` : ''}`);
  if (lex.names.length) out.line(`  ${task === 'tag' ? 'tags' : task === 'lm' ? 'conditions' : 'labels'}: ${lex.names.join(', ')}`);
  const fields = [...taskFor(task).trainFields, ...(s.fields.condition !== null ? (['condition'] as const) : [])];
  out.line(`  fields: ${fields.map((k) => `${k}=${s.fields[k]}`).join(', ')}`);
  out.line(`  parameters: ${total.toLocaleString('en-US')}`);
  for (const p of params) out.line(`    ${p.name.padEnd(28)} [${p.value.shape.join(', ')}]`);
  Object.assign(summary, { vocabSize: lex.vocab.size, names: lex.names, settings: s });

  const { embedding, rnn } = reader(model);
  if (args.trace !== undefined) {
    const tokens = split(lex, task)(args.trace);
    if (tokens.length === 0) throw new CliError('--trace: expected a text with at least one token, received none');
    const rows = trace({ embedding, rnn }, lex.vocab.encode(tokens));
    out.line(`\nhidden state after each token (${rnn.numLayers > 1 ? 'top layer, ' : ''}${rnn.numDirections * rnn.hiddenSize} values):`);
    out.line(formatTrace(rows, tokens));
    summary.trace = { tokens, rows: rows.map((r) => r.map(figure)) };
  }
  if (args.nearest !== undefined) {
    const [word, ...rest] = split(lex, task)(args.nearest);
    if (word === undefined || rest.length > 0) throw new CliError(`--nearest: expected one token, received ${JSON.stringify(args.nearest)}`);
    if (!lex.vocab.has(word)) throw new CliError(`--nearest: ${JSON.stringify(word)} is not in the model's vocabulary (${lex.vocab.size} tokens)`);
    const neighbours = nearest({ embedding }, lex.vocab, word, args.k);
    out.line(`\nnearest to ${JSON.stringify(word)} (cosine similarity of the embeddings):`);
    for (const n of neighbours) out.line(`  ${n.word.padEnd(20)} ${n.similarity.toFixed(4)}`);
    summary.nearest = neighbours.map((n) => ({ word: n.word, similarity: figure(n.similarity) }));
  }
  if (args.gradNorms !== undefined) summary.gradNorms = await gradNorms(args, lex, task, embedding, rnn, out);
  if (args.report !== undefined) {
    const { data } = await writeInspectReport(args.model, model as unknown as TrainableModel, lex, task, args);
    const missing = Object.keys(data.notes);
    out.line(`\ntraining report: ${join(resolve(args.report), 'index.html')}${missing.length ? ` (without: ${missing.join(', ')})` : ''}`);
    summary.report = join(resolve(args.report), 'index.html');
  }
  if (args.json) out.figures({ ...(summary as Record<string, string | number>) });
  return EXIT_OK;
}

async function gradNorms(args: InspectArgs, lex: Lexicon, task: TaskName, embedding: Embedding, rnn: RecurrentLayer, out: Output): Promise<number[]> {
  const src = await dataSource(args.gradNorms!, '--grad-norms', args.format);
  const ref = fieldRef(lex.meta.settings, task === 'seq2seq' ? 'source' : 'text', src.name);
  const sequences: Int32Array[] = [];
  for await (const record of records(src)) {
    const tokens = truncate(split(lex, task)(readText(record, ref)), lex.meta.settings.maxLength);
    if (tokens.length > 0) sequences.push(lex.vocab.encode(tokens));
    if (sequences.length === args.examples) break;
  }
  if (sequences.length === 0) throw new CliError(`--grad-norms ${src.name}: expected inputs with at least one token, found none`);
  const { ids, lengths } = padSequences(sequences, lex.vocab.padIndex);
  const x = { ...embedding.forward(ids), lengths };
  const B = sequences.length;
  const H = rnn.hiddenSize;
  const rows = rnn.numLayers * rnn.numDirections;
  // L = u · h_last of the top layer's forward direction, u a unit vector: the seed's vanishing-gradient probe.
  const dhN = new Float32Array(rows * B * H);
  dhN.fill(1 / Math.sqrt(H), (rnn.numLayers - 1) * rnn.numDirections * B * H, ((rnn.numLayers - 1) * rnn.numDirections + 1) * B * H);
  const data = rnn.dtype === 'float64' ? Float64Array.from(dhN) : dhN;
  const norms = gradientNormsPerStep(rnn, x, { dhN: { data, shape: [rows, B, H] } });
  const T = norms.mean.length;
  const last = [...norms.mean].reverse().find((v) => Number.isFinite(v)) ?? 1;
  out.line(`\n‖∂L/∂h_t‖ for L = u·h_last (top layer, forward), mean over ${B} input${B === 1 ? '' : 's'} of ${src.name}:`);
  out.line(`  ${'t'.padStart(5)}  ${'norm'.padStart(10)}  ${'÷ last'.padStart(10)}`);
  const shown = T <= 20 ? [...Array(T).keys()] : [...new Set([...Array(20).keys()].map((i) => Math.round((i * (T - 1)) / 19)))];
  for (const t of shown) out.line(`  ${String(t).padStart(5)}  ${norms.mean[t].toExponential(3).padStart(10)}  ${(norms.mean[t] / last).toExponential(3).padStart(10)}`);
  return norms.mean.map(figure);
}
