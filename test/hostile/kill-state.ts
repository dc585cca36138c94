/** The deterministic states the SIGKILL test's child saves: state i sets every weight to i/1000 + k·1e-7. */
import type { SequenceClassifier, StateDict } from '../../src/index.js';

export const KILL_MODEL = { vocabSize: 64, embeddingDim: 16, hiddenSize: 96, numClasses: 2, cell: 'lstm', seed: 1, backend: 'reference' } as const;

export function killState(model: SequenceClassifier, i: number): StateDict {
  for (const p of model.parameters()) {
    const d = p.value.data;
    for (let k = 0; k < d.length; k++) d[k] = i / 1000 + (k % 97) * 1e-7;
  }
  return model.stateDict();
}

/** Which state a loaded state dict is (from its first value), or NaN. */
export function whichState(sd: StateDict): number {
  const first = Object.values(sd)[0];
  return Math.round((first.data[0] as number) * 1000);
}
