// --help on every command, --version, and the demo command's wiring to src/cli/demos (a tiny run).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, lastJson, ROOT } from './helpers.js';

describe.concurrent('help', () => {
  it.each([
    ['train', ['--task <task>', '--data <file>', '--valid <file>', '--validation-split <fraction>', '--out <dir>', '--text-field', '--label-field', '--tags-field', '--source-field', '--target-field', '--tokenizer <kind>', '--cell <cell>', '--embedding <n>', '--hidden <n>', '--layers <n>', '--bidirectional', '--attention <score>', '--epochs <n>', '--batch-size <n>', '--optimizer <name>', '--lr <rate>', '--clip <norm>', '--seed <n>', '--threads <n>', '--time-budget <seconds>', '--checkpoint-every <batches>', '--resume', '--json']],
    ['eval', ['--model <dir>', '--data <file>', '--json']],
    ['predict', ['--model <dir>', '--data <file>', '--beam-size <n>']],
    ['generate', ['--model <dir>', '--prompt <text>', '--condition <class>', '--length <n>', '--temperature <t>', '--top-k <k>', '--seed <n>']],
    ['inspect', ['--model <dir>', '--trace <text>', '--nearest <word>', '--grad-norms <file>']],
    ['demo', ['<name>', '--json', '--tiny', 'spam', 'moby-dick', 'names', 'g2p']],
  ])('fastrnn %s --help lists its options and exits with 0', async (command, options) => {
    const r = await cli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: fastrnn ${command}`);
    for (const o of options) expect(r.stdout).toContain(o);
    expect(r.stdout).toContain('--help');
  });

  it('fastrnn --help lists the commands; --version prints the package version', async () => {
    const [help, version] = await Promise.all([cli(['--help']), cli(['--version'])]);
    expect(help.code).toBe(0);
    for (const c of ['train', 'eval', 'predict', 'generate', 'inspect', 'demo']) expect(help.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });
});

describe('demo', () => {
  it('runs a demo in its tiny configuration: progress on stderr, the figures as the last line of stdout', async () => {
    const r = await cli(['demo', 'names', '--tiny', '--json', '--seed', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const figures = lastJson(r);
    expect(figures).toMatchObject({ loss: expect.any(Number), trainSeconds: expect.any(Number), sequencesPerSecond: expect.any(Number) });
    expect(r.stderr).toContain('fastrnn demo names');
  });
});
