// The loader: where it looks (prebuilds/ first, then build/Release), the one error that lists every path
// tried and the fix, and the adapter's surface (name, threads, float64 refusal, cells it forwards).
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  addonCandidates, loadAddonFrom, loadNativeAddon, loadNativeBackend, NativeBackendUnavailableError, packageRoot,
} from '../../src/backend/native.js';
import { resolveBackend } from '../../src/backend/select.js';
import { referenceBackend } from '../../src/backend/reference/index.js';
import { relativeError } from '../helpers/gradcheck.js';
import { randomArray, seeded } from '../helpers/random.js';

const root = resolve(__dirname, '../..');
const temps: string[] = [];
function fakePackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fastrnn-loader-'));
  temps.push(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fastrnn', version: '0.0.0' }));
  return dir;
}
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('native loader', () => {
  it('finds the package root from src/ and loads the addon', () => {
    expect(packageRoot()).toBe(root);
    const addon = loadNativeAddon();
    expect(addon.abiVersion).toBe(2);
    expect(addon.simdPaths()).toContain('baseline');
    expect(addon.simdPaths()).toContain(addon.simdPath());
  });

  it('looks in prebuilds/<platform>-<arch> first, then build/Release and build/Debug', () => {
    const c = addonCandidates(fakePackage());
    expect(c[0]).toContain(join('prebuilds', `${process.platform}-${process.arch}`));
    expect(c.slice(-2).map((p) => p.split(/[\\/]/).slice(-3).join('/'))).toEqual(['build/Release/fastrnn.node', 'build/Debug/fastrnn.node']);
  });

  it('loads a prebuild when one is there', () => {
    const dir = fakePackage();
    const pre = join(dir, 'prebuilds', `${process.platform}-${process.arch}`);
    mkdirSync(pre, { recursive: true });
    copyFileSync(join(root, 'build/Release/fastrnn.node'), join(pre, 'node.napi.node'));
    expect(loadAddonFrom(dir).abiVersion).toBe(2);
  });

  it('throws one error listing every path tried and how to fix it', () => {
    const dir = fakePackage();
    mkdirSync(join(dir, 'build/Release'), { recursive: true });
    writeFileSync(join(dir, 'build/Release/fastrnn.node'), 'not an ELF file');
    let error: unknown;
    try {
      loadAddonFrom(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NativeBackendUnavailableError);
    const e = error as NativeBackendUnavailableError;
    expect(e.name).toBe('NativeBackendUnavailableError');
    expect(e.attempts.length).toBeGreaterThanOrEqual(3);
    for (const a of e.attempts) expect(e.message).toContain(a.path);
    expect(e.attempts.find((a) => a.path.endsWith(join('Release', 'fastrnn.node')))!.error).not.toBe('not found');
    expect(e.attempts.find((a) => a.path.endsWith(join('Debug', 'fastrnn.node')))!.error).toBe('not found');
    expect(e.message).toContain('npm rebuild fastrnn');
    expect(e.message).toContain("backend: 'reference'");
  });

  it('FASTRNN_SIMD forces a path at load, and an unsupported or unknown one fails the load with a clear error', () => {
    const addonPath = join(root, 'build/Release/fastrnn.node');
    const probe = `try { console.log(require(${JSON.stringify(addonPath)}).simdPath()) } catch (e) { console.log('ERR ' + e.message) }`;
    const run = (value: string) => execFileSync(process.execPath, ['-e', probe], { env: { ...process.env, FASTRNN_SIMD: value }, encoding: 'utf8' }).trim();
    for (const path of loadNativeAddon().simdPaths()) expect(run(path)).toBe(path);
    expect(run('sse9')).toMatch(/^ERR .*FASTRNN_SIMD.*unknown SIMD path "sse9"/);
    const all = ['avx512', 'avx2', 'baseline'];
    const missing = all.find((p) => !loadNativeAddon().simdPaths().includes(p as 'avx2'));
    if (missing) expect(run(missing)).toMatch(/^ERR .*not supported by this CPU/);
  });

  it('says so when no fastrnn package.json is found', () => {
    expect(() => loadAddonFrom(null)).toThrow(/no package\.json named "fastrnn"/);
    expect(packageRoot(tmpdir())).toBeNull();
  });
});

describe('native backend adapter', () => {
  it('is the native, float32-only engine with a thread count (default: available cores)', () => {
    const b = loadNativeBackend();
    expect(b.name).toBe('native');
    expect(b.supportsFloat64).toBe(false);
    expect(b.threads).toBe(availableParallelism());
    expect(loadNativeBackend({ threads: 3 }).threads).toBe(3);
    expect(typeof b.recurrentForwardAsync).toBe('function');
    expect(resolveBackend('native').name).toBe('native');
    expect(resolveBackend('auto').name).toBe('native');
  });

  it('rejects bad options', () => {
    expect(() => loadNativeBackend({ threads: 0 })).toThrow(RangeError);
    expect(() => loadNativeBackend({ threads: 1.5 })).toThrow(RangeError);
    expect(() => loadNativeBackend({ threads: '2' as unknown as number })).toThrow(TypeError);
    expect(() => loadNativeBackend(null as unknown as {})).toThrow(TypeError);
  });

  it('refuses Float64Array with a hint to use the reference engine', () => {
    const T = 1, B = 1, I = 2, H = 2;
    const f64 = (n: number) => new Float64Array(n);
    const args = { T, B, I, H, P: H, reverse: false, batchFirst: false, lengths: null, yStride: H, yOffset: 0, y: f64(2), hN: f64(2), cN: null, cache: null, x: f64(2), h0: null, c0: null, weightIh: f64(4), weightHh: f64(4), biasIh: null, biasHh: null, weightHr: null };
    expect(() => loadNativeBackend().recurrentForward('rnn_tanh', args)).toThrow(/float32-only.*reference/);
  });

  it('runs lstm and gru in C++, within 1e-5 of the reference kernels', () => {
    for (const [cell, G, cache] of [['lstm', 4, 5], ['gru', 3, 4]] as const) {
      const T = 4, B = 2, I = 3, H = 5;
      const make = () => ({
        T, B, I, H, P: H, reverse: false, batchFirst: true, lengths: Int32Array.from([4, 2]), yStride: H, yOffset: 0,
        y: new Float32Array(T * B * H), hN: new Float32Array(B * H),
        cN: cell === 'lstm' ? new Float32Array(B * H) : null, cache: new Float32Array(T * B * cache * H),
        x: randomArray(seeded(1), T * B * I), h0: null, c0: null,
        weightIh: randomArray(seeded(2), G * H * I, 0.4), weightHh: randomArray(seeded(3), G * H * H, 0.4), biasIh: null, biasHh: null, weightHr: null,
      });
      const a = make(), b = make();
      loadNativeBackend().recurrentForward(cell, a);
      referenceBackend.recurrentForward(cell, b);
      expect(relativeError(a.y, b.y), cell).toBeLessThanOrEqual(1e-5);
    }
  });
});
