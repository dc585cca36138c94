/**
 * A trainable parameter: its PyTorch name, its value and its accumulated gradient (same shape).
 * Optimizers and clipping work on lists of these; layers own them.
 */
import type { RowSet } from './row-set.js';
import type { Tensor } from './tensor.js';

export interface Parameter {
  name: string;
  value: Tensor;
  grad: Tensor;
  /**
   * Only for a row-sparse gradient (an Embedding with `sparse: true`): the rows of grad that may be
   * non-zero; every other row is zero (row-set.ts). zeroGrad, clipping and the optimizers read only these.
   */
  rows?: RowSet;
}

export type StateDict = Record<string, Tensor>;
