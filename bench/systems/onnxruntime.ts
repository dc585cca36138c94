/**
 * onnxruntime-node (inference only): the ONNX files bench/peers/export_onnx.py exported from PyTorch once
 * (bench/peers/onnx/), run with intraOpNumThreads = threads, one inter-op thread, sequential execution,
 * all graph optimisations. infer: x [B, T, I] → logits (the LSTM/GRU/RNN op and the head on the last
 * state); decode: the one-step model x [B, 1, I], h0 (, c0) → hN (, cN), state fed back each step.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Workload } from '../compare/workloads.js';
import { NotApplicable, PEERS_DIR, peerRequire, uniform, type Runner, type SystemOptions } from './adapter.js';

/** The ONNX file a workload runs on, or null when it needs none (training). */
export function onnxFile(w: Workload): string | null {
  if (w.kind === 'decode') return join(PEERS_DIR, 'onnx', `${w.cell}_step_h${w.H}.onnx`);
  if (w.kind === 'infer') return join(PEERS_DIR, 'onnx', `${w.cell}_h${w.H}.onnx`);
  return null;
}

/** The slice of onnxruntime-node's API used here (the peers are not installed when the project type-checks). */
interface OrtTensor { readonly dims: readonly number[] }
interface Ort {
  InferenceSession: { create(path: string, options: object): Promise<{ run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>; release(): Promise<void> }> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
}

export async function prepare(w: Workload, options: SystemOptions): Promise<Runner> {
  if (w.kind === 'train' || w.kind === 'sgemm') throw new NotApplicable('onnxruntime-node runs inference only (no training API in the Node package)');
  const file = onnxFile(w)!;
  if (!existsSync(file)) throw new NotApplicable(`no ${file.slice(PEERS_DIR.length + 1)} (make it: /usr/bin/python3 bench/peers/export_onnx.py)`);
  const ort = peerRequire()('onnxruntime-node') as Ort;
  const threads = Number(options.threads ?? 1);
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const t = (data: Float32Array, dims: number[]) => new ort.Tensor('float32', data, dims);
  if (w.kind === 'infer') {
    const feeds = { x: t(uniform(w.B * w.T * w.I, 3), [w.B, w.T, w.I]) };
    return { step: async () => void (await session.run(feeds)), dispose: () => void session.release() };
  }
  const x = t(uniform(w.B * w.I, 3), [w.B, 1, w.I]);
  let feeds: Record<string, OrtTensor> = { x, h0: t(new Float32Array(w.B * w.H), [1, w.B, w.H]) };
  if (w.cell === 'lstm') feeds.c0 = t(new Float32Array(w.B * w.H), [1, w.B, w.H]);
  return {
    async step() {
      const out = await session.run(feeds);
      feeds = w.cell === 'lstm' ? { x, h0: out.hN, c0: out.cN } : { x, h0: out.hN };
    },
    dispose: () => void session.release(),
  };
}
