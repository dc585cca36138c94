/**
 * SIGKILL during saves: a child process saves a model directory (or a training checkpoint) over and over;
 * we kill it at a random moment and check that what is on disk loads, is one of the states the child
 * saved — the last one it reported or a later one it was writing — and is byte-identical to that state
 * saved cleanly. FASTRNN_KILL_TRIALS sets the number of kills (default 20 in the suite; `npm run kill-trials`
 * runs 50), half each kind. Also: the window between a save's two renames, reproduced exactly.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SequenceClassifier } from '../../src/index.js';
import { resolveModelDir } from '../../src/io/model-dir.js';
import { loadModel } from '../../src/models/registry.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { seeded } from '../helpers/random.js';
import { KILL_MODEL, killState, whichState } from './kill-state.js';

const TRIALS = Number(process.env.FASTRNN_KILL_TRIALS ?? '20');
const ROOT = resolve(__dirname, '../..');
let work = '';
let child = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'fastrnn-kill-'));
  const cache = join(ROOT, 'node_modules', '.cache', 'fastrnn-kill-test', String(process.pid));
  mkdirSync(cache, { recursive: true });
  child = join(cache, 'child.mjs');
  await build({ entryPoints: [join(__dirname, 'kill-child.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: child, logLevel: 'silent' });
}, 60_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(join(child, '..'), { recursive: true, force: true });
});

/** Runs the child until `delayMs` after it is ready, kills it, and returns the last state it reported saved. */
function killDuring(mode: 'model' | 'checkpoint', dir: string, delayMs: number): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const p = spawn(process.execPath, [child, mode, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let last = -1;
    p.stdout.on('data', (d) => {
      out += String(d);
      if (last < 0 && out.includes('ready\n')) {
        last = 0;
        setTimeout(() => p.kill('SIGKILL'), delayMs);
      }
      const m = out.match(/saved (\d+)\n(?![\s\S]*saved)/);
      if (m) last = Math.max(last, Number(m[1]));
    });
    p.stderr.on('data', (d) => (err += String(d)));
    p.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}: ${err}`));
      else resolvePromise(last);
    });
  });
}

describe('SIGKILL during a save', () => {
  it(`${TRIALS} kills leave the previous (or the new) save loadable and byte-identical`, async () => {
    const rand = seeded(11);
    const reference = new SequenceClassifier(KILL_MODEL);
    const seen = { model: [] as number[], checkpoint: [] as number[] };
    let inWindow = 0;
    for (let t = 0; t < TRIALS; t++) {
      const mode = t % 2 === 0 ? 'model' : 'checkpoint';
      const dir = join(work, `${mode}-${t}`);
      const reported = await killDuring(mode, dir, Math.floor(rand() * 400));
      let state: number;
      if (mode === 'model') {
        const { model } = await loadModel(dir, { backend: 'reference' });
        state = whichState(model.stateDict());
        // Byte-identical to a clean save of that state.
        killState(reference, state);
        const clean = join(work, `clean-${t}`);
        await reference.save(clean);
        // A kill between the save's two renames leaves the previous directory aside: loading reads it there.
        const root = await resolveModelDir(dir);
        if (root !== dir) inWindow++;
        for (const f of ['config.json', 'model.safetensors']) expect(readFileSync(join(root, f)).equals(readFileSync(join(clean, f))), f).toBe(true);
      } else {
        const ckpt = await readCheckpoint(dir, 'float32');
        state = ckpt.state.i as number;
        expect(whichState(ckpt.model)).toBe(state);
        const expected = killState(reference, state);
        for (const [name, t2] of Object.entries(expected)) expect(Buffer.from(ckpt.model[name].data.buffer).equals(Buffer.from(t2.data.buffer)), name).toBe(true);
      }
      expect(state, `${mode} trial ${t}: reported ${reported}, found ${state}`).toBeGreaterThanOrEqual(reported);
      expect(state).toBeLessThanOrEqual(reported + 2);
      seen[mode].push(reported);
    }
    // The kills landed while saves were going on (not only before the first).
    expect(seen.model.some((n) => n > 0) && seen.checkpoint.some((n) => n > 0)).toBe(true);
    console.log(`kill trials: ${TRIALS} (${inWindow} between a model save's two renames), saves completed before the kill — model: ${seen.model.join(' ')}; checkpoint: ${seen.checkpoint.join(' ')}`);
  }, 600_000);

  it('a save killed between its two renames: the previous directory loads, and the next save puts it back', async () => {
    const model = new SequenceClassifier(KILL_MODEL);
    const dir = join(work, 'window');
    killState(model, 5);
    await model.save(dir);
    const before = readFileSync(join(dir, 'model.safetensors'));
    // Exactly what a kill after `rename(target, <tmp>.old)` and before `rename(<tmp>, target)` leaves.
    mkdirSync(join(work, '.window.tmp-abc123'));
    renameSync(dir, join(work, '.window.tmp-abc123.old'));
    const { model: loaded } = await loadModel(dir, { backend: 'reference' });
    expect(whichState(loaded.stateDict())).toBe(5);
    killState(model, 6);
    await model.save(dir);
    expect(whichState((await loadModel(dir, { backend: 'reference' })).model.stateDict())).toBe(6);
    expect(readdirSync(work).filter((n) => n.startsWith('.window.tmp-') && n.endsWith('.old'))).toEqual([]);
    expect(before.length).toBeGreaterThan(0);
  });
});
