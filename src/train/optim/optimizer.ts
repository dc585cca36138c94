/**
 * The optimizer base: one parameter group (a flat list of Parameters), a changeable learning rate for
 * schedules, and per-parameter state (a step count plus named buffers, PyTorch's names such as
 * `exp_avg`) that can be saved and restored for checkpoints. Subclasses implement `step()` and update
 * `param.value.data` in place from `param.grad.data`.
 *
 * Buffers use the parameter's dtype, as PyTorch's state does, so float32 training keeps float32 state.
 */
import { checkNumber, describe, isFloatArray } from '../../errors.js';
import type { FloatArray, Tensor } from '../../tensor.js';
import { allocate, dtypeOf, sameShape, shapeToString } from '../../tensor.js';
import type { Parameter } from '../../parameter.js';
import { RowSet, zeroGradient } from '../../row-set.js';

export interface ParamState {
  /** Number of `step()` calls that updated this parameter. */
  step: number;
  buffers: Record<string, FloatArray>;
}

/** Serialisable optimizer state, keyed by parameter name. */
export interface OptimizerStateDict {
  lr: number;
  state: Record<string, { step: number; buffers: Record<string, Tensor> }>;
}

/** Validates a parameter list (shared with gradient clipping). */
export function checkParameters(name: string, params: unknown, { allowEmpty = false } = {}): Parameter[] {
  if (!Array.isArray(params)) throw new TypeError(`${name}: expected an array of Parameters, received ${describe(params)}`);
  if (!allowEmpty && params.length === 0) throw new RangeError(`${name}: expected at least one Parameter, received an empty array`);
  params.forEach((p: unknown, i) => {
    const where = `${name}[${i}]`;
    if (typeof p !== 'object' || p === null) throw new TypeError(`${where}: expected a Parameter { name, value, grad }, received ${describe(p)}`);
    const { value, grad } = p as Partial<Parameter>;
    for (const [field, t] of [['value', value], ['grad', grad]] as const) {
      if (typeof t !== 'object' || t === null || !isFloatArray(t.data) || !Array.isArray(t.shape)) {
        throw new TypeError(`${where}.${field}: expected a Tensor with Float32Array/Float64Array data, received ${describe(t)}`);
      }
    }
    if (!sameShape(value!.shape, grad!.shape) || value!.data.length !== grad!.data.length) {
      throw new RangeError(`${where}.grad: expected shape ${shapeToString(value!.shape)} (like value), received ${shapeToString(grad!.shape)}`);
    }
    const { rows } = p as Partial<Parameter>;
    if (rows !== undefined && !(rows instanceof RowSet && rows.numRows * rows.rowSize === grad!.data.length)) {
      throw new TypeError(`${where}.rows: expected undefined or a RowSet covering the ${grad!.data.length} gradient values, received ${describe(rows)}`);
    }
  });
  if (new Set(params).size !== params.length) {
    const i = params.findIndex((p, j) => params.indexOf(p) !== j);
    throw new RangeError(`${name}: expected each Parameter once, received ${describe((params[i] as Parameter).name)} again at index ${i}`);
  }
  return params as Parameter[];
}

/** A finite learning rate >= 0. */
export function checkLr(value: unknown): number {
  return checkNumber('lr', value, { min: 0 });
}

export abstract class Optimizer {
  readonly params: Parameter[];
  private _lr: number;
  private readonly state = new Map<Parameter, ParamState>();

  constructor(params: Parameter[], lr: number) {
    this.params = [...checkParameters('params', params)];
    this._lr = checkLr(lr);
  }

  /** The learning rate used by the next `step()`; assign to it to run a schedule. */
  get lr(): number {
    return this._lr;
  }
  set lr(value: number) {
    this._lr = checkLr(value);
  }

  /** Sets every gradient to zero (PyTorch's set_to_none=False behaviour); a row-sparse one only in its rows. */
  zeroGrad(): void {
    for (const p of this.params) zeroGradient(p);
  }

  /** Applies one update to every parameter from its current gradient. */
  abstract step(): void;

  /** State of one parameter, created empty on first use. */
  protected stateOf(param: Parameter): ParamState {
    let s = this.state.get(param);
    if (!s) {
      s = { step: 0, buffers: {} };
      this.state.set(param, s);
    }
    return s;
  }

  /** A named buffer of the parameter's size and dtype, created filled with `init` on first use. */
  protected buffer(param: Parameter, name: string, init = 0): FloatArray {
    const s = this.stateOf(param);
    let b = s.buffers[name];
    if (!b) {
      b = allocate(dtypeOf(param.value.data), param.value.data.length);
      if (init !== 0) b.fill(init);
      s.buffers[name] = b;
    }
    return b;
  }

  /** A deep copy of the learning rate and every parameter's state, keyed by parameter name. */
  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict['state'] = {};
    for (const p of this.params) {
      const s = this.state.get(p);
      if (!s) continue;
      const buffers: Record<string, Tensor> = {};
      for (const [k, b] of Object.entries(s.buffers)) buffers[k] = { data: b.slice(), shape: [...p.value.shape] };
      state[p.name] = { step: s.step, buffers };
    }
    return { lr: this._lr, state };
  }

  /** Restores what `stateDict()` produced (for the same parameter names and shapes). */
  loadStateDict(sd: OptimizerStateDict): void {
    if (typeof sd !== 'object' || sd === null || typeof sd.state !== 'object' || sd.state === null) {
      throw new TypeError(`stateDict: expected { lr, state }, received ${describe(sd)}`);
    }
    const lr = checkLr(sd.lr);
    const byName = new Map(this.params.map((p) => [p.name, p]));
    const loaded = new Map<Parameter, ParamState>();
    for (const [name, entry] of Object.entries(sd.state)) {
      const p = byName.get(name);
      if (!p) throw new RangeError(`stateDict.state: expected names of this optimizer's parameters, received ${describe(name)}`);
      const step = entry?.step;
      if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
        throw new RangeError(`stateDict.state[${JSON.stringify(name)}].step: expected an integer >= 0, received ${describe(step)}`);
      }
      const buffers: Record<string, FloatArray> = {};
      for (const [k, t] of Object.entries(entry.buffers ?? {})) {
        const where = `stateDict.state[${JSON.stringify(name)}].buffers.${k}`;
        if (!isFloatArray(t?.data) || t.data.length !== p.value.data.length) {
          throw new RangeError(`${where}: expected ${p.value.data.length} values like ${p.name}, received ${describe(t?.data)}`);
        }
        buffers[k] = allocate(dtypeOf(p.value.data), t.data.length);
        buffers[k].set(t.data);
      }
      loaded.set(p, { step, buffers });
    }
    // Validate everything first, so a bad state dict leaves the optimizer untouched.
    this._lr = lr;
    this.state.clear();
    for (const [p, s] of loaded) this.state.set(p, s);
  }
}
