/**
 * A trainable parameter: its PyTorch name, its value and its accumulated gradient (same shape).
 * Optimizers and clipping work on lists of these; layers own them.
 */
import type { Tensor } from './tensor.js';

export interface Parameter {
  name: string;
  value: Tensor;
  grad: Tensor;
}

export type StateDict = Record<string, Tensor>;
