/**
 * The child process of the SIGKILL test (kill-save.test.ts): saves state 0, prints "ready", then saves
 * states 1, 2, 3, … into one directory as fast as it can — a model directory (`model`) or a training
 * checkpoint (`checkpoint`) — printing "saved <i>" after each, until it is killed.
 */
import { SequenceClassifier } from '../../src/index.js';
import { writeCheckpoint } from '../../src/train/checkpoint.js';
import { killState, KILL_MODEL } from './kill-state.js';

const [mode, dir] = process.argv.slice(2);
const model = new SequenceClassifier(KILL_MODEL);

async function save(i: number): Promise<void> {
  const sd = killState(model, i);
  if (mode === 'model') await model.save(dir);
  else await writeCheckpoint(dir, { model: sd, optimizer: { lr: 0.1, state: {} }, best: null, state: { i } });
}

await save(0);
process.stdout.write('ready\n');
for (let i = 1; ; i++) {
  await save(i);
  process.stdout.write(`saved ${i}\n`);
}
