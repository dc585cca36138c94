/**
 * npx tsx examples/pytorch/check-back.ts [--dir DIR]
 *
 * The last step of the PyTorch hand-off (README.md beside this file): loads the model directory that
 * ddp_train.py wrote (DIR/trained, default DIR examples/pytorch/run) back into fastrnn and checks that
 *   - its config.json holds the same kind and config as the start directory,
 *   - (b) fastrnn's logits on DIR/valid.jsonl equal those of PyTorch's final model (DIR/trained-logits.json)
 *     within 1e-5,
 *   - re-saving it with fastrnn gives a model.safetensors byte for byte equal to the one PyTorch wrote,
 * and reports the accuracy (with loss, macro F1 and MCC) of the start model and of the trained one.
 * Exit status 1 if a check fails.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SequenceClassifier, evaluate, padSequences } from '../../src/index.js';

const { values: a } = parseArgs({ options: { dir: { type: 'string', default: 'examples/pytorch/run' } } });
const dir = a.dir;
const readJSON = async (path: string): Promise<any> => JSON.parse(await readFile(path, 'utf8'));
const readJSONL = async (path: string): Promise<{ ids: number[]; label: number }[]> =>
  (await readFile(path, 'utf8')).split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line));
let failed = false;
const check = (ok: boolean, line: string): void => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${line}`);
  if (!ok) failed = true;
};

const [start, trained] = await Promise.all([readJSON(join(dir, 'start', 'config.json')), readJSON(join(dir, 'trained', 'config.json'))]);
check(start.kind === trained.kind && JSON.stringify(start.config) === JSON.stringify(trained.config),
  `config.json: kind ${JSON.stringify(trained.kind)}, config the same as the start directory's`);

const model = await SequenceClassifier.load(join(dir, 'trained'));
const valid = await readJSONL(join(dir, 'valid.jsonl'));
const want: number[][] = (await readJSON(join(dir, 'trained-logits.json'))).logits;
model.eval();
let maxDiff = 0;
const C = model.numClasses;
for (let s = 0; s < valid.length; s += 100) {
  const { ids, lengths } = padSequences(valid.slice(s, s + 100).map((e) => e.ids), 0);
  const got = model.forward(ids, lengths).data;
  for (let b = 0; b < lengths.length; b++) {
    for (let k = 0; k < C; k++) maxDiff = Math.max(maxDiff, Math.abs(got[b * C + k] - want[s + b][k]));
  }
}
check(want.length === valid.length && maxDiff <= 1e-5,
  `(b) fastrnn logits of the model PyTorch wrote vs PyTorch's final logits (${valid.length} examples): max |diff| ${maxDiff.toExponential(3)}`);

const again = await mkdtemp(join(tmpdir(), 'fastrnn-resave-'));
try {
  await model.save(join(again, 'model'));
  const [ours, theirs] = await Promise.all([readFile(join(again, 'model', 'model.safetensors')), readFile(join(dir, 'trained', 'model.safetensors'))]);
  check(ours.equals(theirs), `model.safetensors written by PyTorch (${theirs.length} bytes) is byte-identical to fastrnn re-saving it`);
} finally {
  await rm(again, { recursive: true, force: true });
}

const train = await readJSONL(join(dir, 'train.jsonl'));
const before = await SequenceClassifier.load(join(dir, 'start'));
for (const [name, m] of [['start (fastrnn fit)', before], ['after DDP (PyTorch)', model]] as const) {
  const v = await evaluate(m, valid);
  const t = await evaluate(m, train);
  console.log(`(c) ${name.padEnd(20)} valid accuracy ${(100 * v.accuracy).toFixed(2)} % (${Math.round(v.accuracy * valid.length)}/${valid.length}; loss ${v.loss.toFixed(4)}, macro F1 ${v.macroF1.toFixed(4)}, ` +
    `MCC ${v.mcc.toFixed(4)}); train accuracy ${(100 * t.accuracy).toFixed(2)} %`);
}
process.exit(failed ? 1 : 0);
