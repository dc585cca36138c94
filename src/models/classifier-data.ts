/**
 * The classifier's examples and batches, for fit (src/train/fit.ts):
 *   single-label  { ids, label }    label: a class id in [0, numClasses)
 *   multi-label   { ids, labels }   labels: the ids of the classes that apply (any number, none included)
 * ids: number[] or Int32Array of token ids in [0, vocabSize), at least one. A batch is the examples
 * right-padded with the padding id (padSequences) plus their lengths, and the targets: class ids, or a
 * multi-hot [B, numClasses] tensor in the model's dtype.
 */
import { padSequences, type PaddedBatch } from '../data/batching.js';
import { describe } from '../errors.js';
import type { DType, Tensor } from '../tensor.js';
import { zeros } from '../tensor.js';

export interface ClassifierExample {
  ids: ArrayLike<number>;
  label: number;
}

export interface MultiLabelExample {
  ids: ArrayLike<number>;
  labels: ArrayLike<number>;
}

/** A checked example: ids copied into an Int32Array; `labels` (sorted, distinct) for multi-label models. */
export interface CheckedClassifierExample {
  ids: Int32Array;
  label: number;
  labels: Int32Array | null;
}

export interface ClassifierBatch extends PaddedBatch {
  /** class ids [B] (single-label); -1 each for a multi-label batch, whose targets are `multiHot` */
  targets: Int32Array;
  /** multi-hot targets [B, numClasses] (multi-label), else null */
  multiHot: Tensor | null;
}

export interface ExampleShape {
  vocabSize: number;
  numClasses: number;
  multiLabel: boolean;
}

/** Checks `examples[index]` and copies it into the form collate uses. */
export function checkClassifierExample(example: unknown, index: number, shape: ExampleShape): CheckedClassifierExample {
  const where = `examples[${index}]`;
  if (typeof example !== 'object' || example === null) {
    const want = shape.multiLabel ? '{ ids, labels }' : '{ ids, label }';
    throw new TypeError(`${where}: expected an object ${want}, received ${describe(example)}`);
  }
  const e = example as Partial<ClassifierExample & MultiLabelExample>;
  const ids = checkIdList(`${where}.ids`, e.ids, shape.vocabSize, 1);
  if (!shape.multiLabel) {
    const label = e.label;
    if (typeof label !== 'number') {
      const hint = e.labels !== undefined ? ' (`labels` is for models built with multiLabel: true)' : '';
      throw new TypeError(`${where}.label: expected a class id (an integer), received ${describe(label)}${hint}`);
    }
    if (!Number.isInteger(label) || label < 0 || label >= shape.numClasses) {
      throw new RangeError(`${where}.label: expected a class id in [0, ${shape.numClasses - 1}], received ${describe(label)}`);
    }
    return { ids, label, labels: null };
  }
  if (e.labels === undefined && e.label !== undefined) {
    throw new TypeError(`${where}.labels: expected an array of class ids (a multiLabel model), received undefined next to a single \`label\``);
  }
  const labels = checkIdList(`${where}.labels`, e.labels, shape.numClasses, 0);
  return { ids, label: -1, labels: Int32Array.from(new Set(labels)).sort() };
}

function checkIdList(where: string, value: unknown, bound: number, minLength: number): Int32Array {
  const list = value as ArrayLike<number>;
  const arrayLike = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof Float32Array) && !(value instanceof Float64Array));
  if (!arrayLike) throw new TypeError(`${where}: expected an array or Int32Array of integer ids, received ${describe(value)}`);
  if (list.length < minLength) throw new RangeError(`${where}: expected at least ${minLength} id, received an empty array`);
  const out = new Int32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const id = list[i];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= bound) {
      throw new RangeError(`${where}[${i}]: expected an integer id in [0, ${bound - 1}], received ${describe(id)}`);
    }
    out[i] = id;
  }
  return out;
}

/** Pads a group of checked examples into one batch. */
export function collateClassifier(examples: CheckedClassifierExample[], padId: number, numClasses: number, dtype: DType): ClassifierBatch {
  const padded = padSequences(examples.map((e) => e.ids), padId);
  const targets = Int32Array.from(examples, (e) => e.label);
  let multiHot: Tensor | null = null;
  if (examples.length > 0 && examples[0].labels) {
    multiHot = zeros([examples.length, numClasses], dtype);
    examples.forEach((e, b) => {
      for (const c of e.labels!) multiHot!.data[b * numClasses + c] = 1;
    });
  }
  return { ...padded, targets, multiHot };
}
