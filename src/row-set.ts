/**
 * Row-sparse gradients: the rows of a [numRows, rowSize] gradient that may be non-zero. A layer whose
 * backward only writes some rows (an Embedding with `sparse: true` writes the rows of the ids it saw) keeps
 * one of these as `Parameter.rows`; every row not in the set is zero. The gradient itself stays a dense
 * array with the same values as without the set, so every reader of `grad.data` still sees the truth —
 * the set only lets zeroGrad, the gradient norm, clipping and the optimizers skip the rows that are zero.
 * (PyTorch's `sparse=True` embedding returns a sparse tensor instead; this keeps one gradient layout.)
 *
 * Whoever writes a non-zero value into a row outside the set must add that row first.
 */
import type { FloatArray } from './tensor.js';

export class RowSet {
  readonly numRows: number;
  readonly rowSize: number;
  /** 1 for a row in the set */
  private readonly marks: Uint8Array;
  /** the rows in the set, first `count` entries; ascending when `sorted` */
  private readonly list: Int32Array;
  private count = 0;
  private sorted = true;

  constructor(numRows: number, rowSize: number) {
    this.numRows = numRows;
    this.rowSize = rowSize;
    this.marks = new Uint8Array(numRows);
    this.list = new Int32Array(numRows);
  }

  /** Rows in the set. */
  get size(): number {
    return this.count;
  }

  /** Adds a row (an integer in [0, numRows), which the caller has checked). */
  add(row: number): void {
    if (this.marks[row] === 1) return;
    this.marks[row] = 1;
    if (this.count > 0 && row < this.list[this.count - 1]) this.sorted = false;
    this.list[this.count++] = row;
  }

  has(row: number): boolean {
    return this.marks[row] === 1;
  }

  /** The rows in ascending order (a view, valid until the next add or clear), so sums over them visit values in memory order. */
  rows(): Int32Array {
    const view = this.list.subarray(0, this.count);
    if (!this.sorted) {
      view.sort();
      this.sorted = true;
    }
    return view;
  }

  /** Zeroes the rows in the set of `grad` (the gradient this set describes) and empties the set. */
  zero(grad: FloatArray): void {
    const w = this.rowSize;
    for (let i = 0; i < this.count; i++) {
      const row = this.list[i];
      grad.fill(0, row * w, row * w + w);
      this.marks[row] = 0;
    }
    this.count = 0;
    this.sorted = true;
  }
}

/** Sets a gradient to zero: only the rows of its RowSet when it has one (emptying the set), else all of it. */
export function zeroGradient(p: { grad: { data: FloatArray }; rows?: RowSet }): void {
  if (p.rows) p.rows.zero(p.grad.data);
  else p.grad.data.fill(0);
}
