/**
 * Mutated files: a model directory (config.json, model.safetensors, vocab.json, as the CLI writes it) and a
 * training checkpoint (checkpoint.json, model-/optimizer-<g>.safetensors), each file mutated at random —
 * bytes flipped, cut short, grown, JSON values swapped for hostile ones (huge sizes, wrong types). Loading
 * either succeeds (a mutation the format tolerates) or throws a documented error; never an internal one
 * (an out-of-bounds read surfaces in JS as "Offset is outside the bounds" or "Invalid typed array length").
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SequenceClassifier, fit } from '../../src/index.js';
import { loadCliModel } from '../../src/cli/model-dir.js';
import { run } from '../../src/cli/program.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { Writable } from 'node:stream';
import { TIMEOUT, params, probeAsync, reportTally, tally } from './fuzz-helpers.js';

reportTally('mutated-files');
let root = '';
let modelDir = '';
let ckptDir = '';

const quiet = () => new Writable({ write(_c, _e, done) { done(); } });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fastrnn-mutate-'));
  writeFileSync(join(root, 'data.csv'), 'text,label\n' + Array.from({ length: 10 }, (_, i) => `w${i % 3} v${i % 4},${i % 2 ? 'a' : 'b'}`).join('\n') + '\n');
  modelDir = join(root, 'model');
  const code = await run(['train', '--task', 'classify', '--data', join(root, 'data.csv'), '--out', modelDir, '--epochs', '1', '--embedding', '3', '--hidden', '4', '--quiet', '--backend', 'reference'],
    { stdout: quiet(), stderr: quiet() });
  expect(code).toBe(0);
  ckptDir = join(root, 'ckpt');
  const model = new SequenceClassifier({ vocabSize: 5, embeddingDim: 3, hiddenSize: 4, numClasses: 2, cell: 'lstm', seed: 1, backend: 'reference' });
  const examples = Array.from({ length: 8 }, (_, i) => ({ ids: [1 + (i % 4), 2], label: i % 2 }));
  await fit(model, examples, { epochs: 1, batchSize: 4, seed: 1, optimizer: { name: 'adam', lr: 0.01 }, checkpoint: { dir: ckptDir }, verbose: false });
  expect(readdirSync(ckptDir)).toContain('checkpoint.json');
}, 60_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** JSON mutations: a value replaced by a hostile one, at a random path. */
const hostileJson = fc.constantFrom<unknown>(2 ** 40, 2e9, -1, 1.5, null, 'x', [], {}, true, 1e308, '__proto__', { $number: 'NaN' }, [1, 2, 3]);

function mutateJson(text: string, pathSeed: number, value: unknown): string {
  const doc = JSON.parse(text) as unknown;
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) if (paths.length < 400) walk(c, [...path, Array.isArray(v) ? Number(k) : k]);
  };
  walk(doc, []);
  const path = paths[pathSeed % paths.length];
  if (path.length === 0) return JSON.stringify(value);
  let parent = doc as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (pathSeed % 5 === 0 && !Array.isArray(parent)) delete parent[last];
  else parent[last] = value;
  return JSON.stringify(doc);
}

/** Byte mutations: flips, a cut, an insertion — or, for safetensors, a header length or offset rewritten. */
const byteMutation = fc.oneof(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 6 }).map((flips) => (b: Buffer) => {
    const out = Buffer.from(b);
    for (const [at, x] of flips) out[at % out.length] ^= x;
    return out;
  }),
  fc.nat().map((n) => (b: Buffer) => b.subarray(0, n % b.length)),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, ins]) => (b: Buffer) => Buffer.concat([b.subarray(0, at % b.length), ins, b.subarray(at % b.length)])),
  fc.constantFrom(0, 2 ** 32 - 1, 2 ** 31, 7, 100_000_000).map((len) => (b: Buffer) => {
    const out = Buffer.from(b);
    out.writeUInt32LE(len, 0); // the header length (low half)
    return out;
  }),
  fc.constantFrom('[0,99999999]', '[-4,8]', '[8,4]', '[0,1e30]', '[2,3]').map((offsets) => (b: Buffer) => {
    const text = b.toString('latin1');
    return Buffer.from(text.replace(/"data_offsets":\[\d+,\d+\]/, `"data_offsets":${offsets}`), 'latin1');
  }),
  fc.constantFrom('"F32"', '"I64"', '"F16"', '"XX"', '7').map((dtype) => (b: Buffer) => Buffer.from(b.toString('latin1').replace(/"dtype":"F32"/, `"dtype":${dtype}`), 'latin1')),
  fc.constantFrom('[4294967296,1]', '[-1]', '[]', '[1.5]', '[99999,99999]').map((shape) => (b: Buffer) => Buffer.from(b.toString('latin1').replace(/"shape":\[[\d,]*\]/, `"shape":${shape}`), 'latin1')),
);

describe('mutated model directories and checkpoints', () => {
  it('load cleanly or fail with a documented error (200 mutated files and more)', async () => {
    let trials = 0;
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('model:config.json', 'model:vocab.json', 'model:model.safetensors', 'ckpt:checkpoint.json', 'ckpt:model', 'ckpt:optimizer'),
      byteMutation, fc.nat(), hostileJson, fc.boolean(),
      async (target, mutate, pathSeed, value, asJson) => {
        trials++;
        const [kind, name] = target.split(':');
        const dir = join(root, `trial-${trials}`);
        cpSync(kind === 'model' ? modelDir : ckptDir, dir, { recursive: true });
        const file = name === 'model' || name === 'optimizer' ? readdirSync(dir).find((f) => f.startsWith(`${name}-`))! : name;
        const path = join(dir, file);
        const bytes = readFileSync(path);
        const json = file.endsWith('.json');
        writeFileSync(path, json && asJson ? mutateJson(bytes.toString('utf8'), pathSeed, value) : mutate(bytes));
        if (kind === 'model') {
          await probeAsync(`load model dir (${file})`, () => loadCliModel(dir, { backend: 'reference' }), ({ model }) => {
            expect(model.parameters().length).toBeGreaterThan(0);
          });
        } else {
          await probeAsync(`read checkpoint (${file.replace(/-\d+/, '-<g>')})`, () => readCheckpoint(dir, 'float32'));
        }
        rmSync(dir, { recursive: true, force: true });
      },
    ), params(300));
    expect(trials).toBeGreaterThanOrEqual(200);
    const rejected = Object.values(tally).reduce((s, t) => s + t.rejected, 0);
    expect(rejected).toBeGreaterThan(100); // most mutations must be caught, not silently accepted
  }, TIMEOUT);
});
