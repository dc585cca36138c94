/**
 * What every layer and model shares: named parameters with gradients, PyTorch-style state dicts,
 * train/eval mode. Composite modules list their children with a name prefix ("rnn.", "head.").
 */
import type { Parameter, StateDict } from '../parameter.js';
import { clone, sameShape, shapeToString } from '../tensor.js';
import { checkTensor, describe } from '../errors.js';
import { zeroGradient } from '../row-set.js';

export abstract class Module {
  training = true;

  /** Own parameters (not children's). */
  protected ownParameters(): Parameter[] {
    return [];
  }

  /** Child modules by name. */
  protected children(): Record<string, Module> {
    return {};
  }

  /** Every parameter, named with its full dotted path as in PyTorch's state_dict. */
  namedParameters(): Parameter[] {
    const out = this.ownParameters().slice();
    for (const [prefix, child] of Object.entries(this.children())) {
      for (const p of child.namedParameters()) out.push({ name: `${prefix}.${p.name}`, value: p.value, grad: p.grad, ...(p.rows ? { rows: p.rows } : {}) });
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters();
  }

  /** Copies of every parameter's value, PyTorch names and shapes. */
  stateDict(): StateDict {
    const sd: StateDict = {};
    for (const p of this.namedParameters()) sd[p.name] = clone(p.value);
    return sd;
  }

  /** Copies of every accumulated gradient, PyTorch names and shapes. */
  gradients(): StateDict {
    const sd: StateDict = {};
    for (const p of this.namedParameters()) sd[p.name] = clone(p.grad);
    return sd;
  }

  /**
   * Loads values by name. Everything is checked before anything is written, so a bad state dict leaves
   * the module unchanged. `strict` (default) requires exactly the module's names.
   */
  loadStateDict(sd: StateDict, { strict = true }: { strict?: boolean } = {}): void {
    if (typeof sd !== 'object' || sd === null) throw new TypeError(`loadStateDict(sd): expected an object of Tensors, received ${describe(sd)}`);
    const params = this.namedParameters();
    const known = new Set(params.map((p) => p.name));
    if (strict) {
      const missing = params.filter((p) => !(p.name in sd)).map((p) => p.name);
      const unexpected = Object.keys(sd).filter((k) => !known.has(k));
      if (missing.length || unexpected.length) {
        throw new RangeError(
          `loadStateDict: expected exactly the keys [${[...known].join(', ')}]; missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]`,
        );
      }
    }
    for (const p of params) {
      if (!(p.name in sd)) continue;
      checkTensor(`loadStateDict: ${p.name}`, sd[p.name], p.value.shape.length);
      if (!sameShape(sd[p.name].shape, p.value.shape)) {
        throw new RangeError(`loadStateDict: ${p.name} expected shape ${shapeToString(p.value.shape)}, received ${shapeToString(sd[p.name].shape)}`);
      }
    }
    for (const p of params) if (p.name in sd) p.value.data.set(sd[p.name].data);
  }

  zeroGrad(): void {
    for (const p of this.namedParameters()) zeroGradient(p);
  }

  train(mode = true): this {
    this.training = mode;
    for (const child of Object.values(this.children())) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }
}
