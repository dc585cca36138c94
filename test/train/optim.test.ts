/**
 * Every optimizer against literal trajectories: θ0 = [1, −2, 0.5], gradients g1 = [0.1, −0.2, 0.3],
 * g2 = [−0.5, 0.4, 0], g3 = [0.25, 0.25, −1], three steps, float64. The simple SGD rows are derived by hand
 * in the comments; all rows were produced by PyTorch 1.13 in float64 with this script:
 *
 *   p = torch.nn.Parameter(torch.tensor(theta0, dtype=torch.float64)); opt = cls([p], **kw)
 *   for g in grads: p.grad = torch.tensor(g, dtype=torch.float64); opt.step(); print(p.tolist())
 */
import { describe, it, expect } from 'vitest';
import type { Parameter } from '../../src/parameter.js';
import { tensor, type DType } from '../../src/tensor.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer } from '../../src/train/optim/index.js';
import { relativeError } from '../helpers/gradcheck.js';

const THETA0 = [1, -2, 0.5];
const GRADS = [
  [0.1, -0.2, 0.3],
  [-0.5, 0.4, 0],
  [0.25, 0.25, -1],
];

function param(dtype: DType = 'float64'): Parameter {
  return { name: 'w', value: tensor(THETA0, [3], dtype), grad: tensor([0, 0, 0], [3], dtype) };
}

/** Runs the three steps and returns θ after each one. */
function trajectory(p: Parameter, opt: Optimizer): number[][] {
  return GRADS.map((g) => {
    p.grad.data.set(g);
    opt.step();
    return [...p.value.data];
  });
}

function expectTrajectory(actual: number[][], expected: number[][], tol = 1e-12): void {
  expected.forEach((row, t) => expect(relativeError(actual[t], row), `step ${t + 1}: ${actual[t]}`).toBeLessThanOrEqual(tol));
}

const cases: { name: string; make: (p: Parameter) => Optimizer; expected: number[][] }[] = [
  {
    // θ ← θ − 0.1·g: [1−.01, −2+.02, .5−.03]; then +.05, −.04, 0; then −.025, −.025, +.1
    name: 'SGD lr 0.1',
    make: (p) => new SGD([p], { lr: 0.1 }),
    expected: [[0.99, -1.98, 0.47], [1.04, -2.02, 0.47], [1.015, -2.045, 0.57]],
  },
  {
    // b1 = g1 (first step: buffer = grad) → θ1 = [0.99, −1.98, 0.47]
    // b2 = 0.9·b1 + g2 = [−0.41, 0.22, 0.27] → θ2 = [1.031, −2.002, 0.443]
    // b3 = 0.9·b2 + g3 = [−0.119, 0.448, −0.757] → θ3 = [1.0429, −2.0468, 0.5187]
    name: 'SGD momentum 0.9',
    make: (p) => new SGD([p], { lr: 0.1, momentum: 0.9 }),
    expected: [[0.99, -1.98, 0.47], [1.031, -2.002, 0.443], [1.0429, -2.0468, 0.5187]],
  },
  {
    // d1 = g1 + 0.1·θ0 = [0.2, −0.4, 0.35]; b1 = d1 (no dampening on the first step) → θ1 = [0.98, −1.96, 0.465]
    // d2 = g2 + 0.1·θ1 = [−0.402, 0.204, 0.0465]; b2 = 0.9·b1 + 0.5·d2 = [−0.021, −0.258, 0.33825]
    //   → θ2 = [0.9821, −1.9342, 0.431175]
    name: 'SGD momentum, dampening 0.5, weightDecay 0.1',
    make: (p) => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.1 }),
    expected: [[0.98, -1.96, 0.465], [0.9821, -1.9342, 0.431175], [0.9665795, -1.913809, 0.448576625]],
  },
  {
    // b1 = g1, d1 = g1 + 0.9·b1 = 1.9·g1 → θ1 = [0.981, −1.962, 0.443]
    // b2 = [−0.41, 0.22, 0.27], d2 = g2 + 0.9·b2 = [−0.869, 0.598, 0.243] → θ2 = [1.0679, −2.0218, 0.4187]
    name: 'SGD nesterov',
    make: (p) => new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true }),
    expected: [[0.981, -1.962, 0.443], [1.0679, -2.0218, 0.4187], [1.05361, -2.08712, 0.58683]],
  },
  {
    // step 1: m̂ = g, v̂ = g², so θ1 = θ0 − 0.1·g/(|g| + 1e−8) ≈ θ0 − 0.1·sign(g)
    name: 'Adam',
    make: (p) => new Adam([p], { lr: 0.1 }),
    expected: [
      [0.900000009999999, -1.9000000049999999, 0.4000000033333332],
      [0.9598354265523341, -1.9366103565460369, 0.33299418107915446],
      [0.9732272004680534, -1.9924941772769538, 0.3793167483398872],
    ],
  },
  {
    // L2: g1 + 0.1·θ0 = [0.2, −0.4, 0.35]; step 1 still moves each coordinate by ≈ 0.1
    name: 'Adam weightDecay 0.1',
    make: (p) => new Adam([p], { lr: 0.1, weightDecay: 0.1 }),
    expected: [
      [0.9000000049999998, -1.9000000025, 0.40000000285714277],
      [0.937522034544049, -1.87528316883678, 0.32497436528996426],
      [0.922222155185864, -1.8651153567304266, 0.3651826369092443],
    ],
  },
  {
    name: 'Adam amsgrad, betas [0.5, 0.9]',
    make: (p) => new Adam([p], { lr: 0.1, amsgrad: true, betas: [0.5, 0.9] }),
    expected: [
      [0.900000009999999, -1.9000000049999997, 0.40000000333333324],
      [0.9812546482963492, -1.962269987968948, 0.3540531762708102],
      [0.9769291676078385, -2.0392536380170356, 0.4380588656122964],
    ],
  },
  {
    // default weightDecay 1e-2: θ0·(1 − 0.1·0.01) = θ0·0.999 first, then the Adam step: 0.999 − 0.1 = 0.899
    name: 'AdamW (default weightDecay 1e-2)',
    make: (p) => new AdamW([p], { lr: 0.1 }),
    expected: [
      [0.8990000099999991, -1.8980000049999997, 0.39950000333333324],
      [0.9579364265423342, -1.9327123565410367, 0.3320946810758212],
      [0.9703702640315113, -1.9866634649154125, 0.3780851536554781],
    ],
  },
  {
    name: 'AdamW weightDecay 0.5, amsgrad',
    make: (p) => new AdamW([p], { lr: 0.1, weightDecay: 0.5, amsgrad: true }),
    expected: [
      [0.8500000099999989, -1.8000000049999998, 0.37500000333333317],
      [0.867335426052334, -1.7466103562960367, 0.28927769220195376],
      [0.8373604286654366, -1.7151636592121517, 0.32113637485258884],
    ],
  },
  {
    // step 1: s = g², θ1 = θ0 − 0.1·g/(|g| + 1e−10); step 2, coordinate 1: s = 0.01 + 0.25,
    //   θ = 0.9000000001 + 0.1·0.5/√0.26 = 0.99805806765
    name: 'Adagrad',
    make: (p) => new Adagrad([p], { lr: 0.1 }),
    expected: [
      [0.9000000000999999, -1.90000000005, 0.40000000003333336],
      [0.9980580676498612, -1.9894427191299915, 0.40000000003333336],
      [0.9540355223413319, -2.0382377227678945, 0.4957826285462742],
    ],
  },
  {
    // step 2 uses clr = 0.1/(1 + 1·0.5); s starts at 0.2
    name: 'Adagrad lrDecay, weightDecay, initialAccumulatorValue',
    make: (p) => new Adagrad([p], { lr: 0.1, lrDecay: 0.5, weightDecay: 0.1, initialAccumulatorValue: 0.2 }),
    expected: [
      [0.959175170961947, -1.9333333333444445, 0.43836843656805907],
      [1.001595496226137, -1.9550444604310138, 0.43323754200365006],
      [0.9774527471090214, -1.9593224410031507, 0.4761996179416093],
    ],
  },
  {
    // step 1: v = 0.01·g², θ1 = θ0 − 0.01·g/(0.1·|g| + 1e−8) ≈ θ0 − 0.1·sign(g)
    name: 'RMSprop',
    make: (p) => new RMSprop([p], { lr: 0.01 }),
    expected: [
      [0.9000000999999, -1.900000049999975, 0.40000003333332224],
      [0.9980770110928694, -1.9895323261670683, 0.40000003333332224],
      [0.9538690970476433, -2.038551547474081, 0.49586144091433826],
    ],
  },
  {
    name: 'RMSprop momentum 0.9, weightDecay 0.1, alpha 0.9',
    make: (p) => new RMSprop([p], { lr: 0.01, momentum: 0.9, weightDecay: 0.1, alpha: 0.9 }),
    expected: [
      [0.9683772283983154, -1.968377225898316, 0.4683772262554588],
      [0.9685292497190082, -1.9548424300926697, 0.43549972351141697],
      [0.9486068056812069, -1.9468457363649014, 0.4359165345325119],
    ],
  },
  {
    // step 1: v = 0.1·g², ḡ = 0.1·g, √(v − ḡ²) = √0.09·|g| = 0.3·|g| → θ1 ≈ θ0 − sign(g)/30
    name: 'RMSprop centered, alpha 0.9',
    make: (p) => new RMSprop([p], { lr: 0.01, centered: true, alpha: 0.9 }),
    expected: [
      [0.966666677777774, -1.9666666722222212, 0.46666667037036996],
      [0.9987952830447372, -1.9955975392365832, 0.46666667037036996],
      [0.984219545730382, -2.0124975486321803, 0.4980457129107554],
    ],
  },
  {
    name: 'RMSprop centered, momentum 0.5',
    make: (p) => new RMSprop([p], { lr: 0.01, centered: true, momentum: 0.5 }),
    expected: [
      [0.8994963194840784, -1.899496268979104, 0.3994962521441012],
      [0.9476262079947897, -1.9388683350715568, 0.34924437821615184],
      [0.9274682969924595, -2.0077655095133355, 0.42020012568822085],
    ],
  },
];

describe('optimizers match PyTorch 1.13 trajectories (float64)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const p = param();
      expectTrajectory(trajectory(p, c.make(p)), c.expected);
    });
  }
});

describe('float32 parameters', () => {
  it('keep float32 state and stay within 1e-6 of PyTorch float32', () => {
    // PyTorch 1.13, float32 parameters, same gradients, final θ after 3 steps:
    const adam = param('float32');
    const opt = new Adam([adam], { lr: 0.1, amsgrad: true, betas: [0.5, 0.9] });
    trajectory(adam, opt);
    expect(relativeError(adam.value.data, [0.9769291281700134, -2.0392537117004395, 0.43805885314941406])).toBeLessThan(1e-6);
    expect(opt.stateDict().state.w.buffers.exp_avg.data).toBeInstanceOf(Float32Array);

    const rms = param('float32');
    trajectory(rms, new RMSprop([rms], { lr: 0.01, centered: true, momentum: 0.5 }));
    expect(relativeError(rms.value.data, [0.9274682402610779, -2.007765531539917, 0.4202001392841339])).toBeLessThan(1e-6);
  });
});

describe('Optimizer base', () => {
  it('zeroGrad fills every gradient with 0', () => {
    const a = param();
    const b: Parameter = { name: 'b', value: tensor([1]), grad: tensor([5]) };
    a.grad.data.set([1, 2, 3]);
    new SGD([a, b], { lr: 1 }).zeroGrad();
    expect([...a.grad.data, ...b.grad.data]).toEqual([0, 0, 0, 0]);
  });

  it('uses a changed lr on the next step (schedules)', () => {
    const p = param();
    const opt = new SGD([p], { lr: 0.1 });
    p.grad.data.set([1, 1, 1]);
    opt.step();
    opt.lr = 0.5;
    opt.step();
    expect([...p.value.data]).toEqual([1 - 0.1 - 0.5, -2 - 0.1 - 0.5, 0.5 - 0.1 - 0.5]);
    expect(() => (opt.lr = -1)).toThrow(/lr: expected a finite number >= 0, received -1/);
  });

  it('stateDict / loadStateDict resume an identical trajectory', () => {
    const make = (p: Parameter): Adam => new Adam([p], { lr: 0.1, amsgrad: true });
    const full = param();
    const fullTraj = trajectory(full, make(full));

    const first = param();
    const opt1 = make(first);
    first.grad.data.set(GRADS[0]);
    opt1.step();
    const saved = JSON.parse(JSON.stringify(opt1.stateDict(), (_k, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)));
    for (const b of Object.values(saved.state.w.buffers) as { data: number[] }[]) b.data = new Float64Array(b.data) as unknown as number[];

    const resumed: Parameter = { name: 'w', value: tensor([...first.value.data], [3], 'float64'), grad: tensor([0, 0, 0], [3], 'float64') };
    const opt2 = make(resumed);
    opt2.loadStateDict(saved);
    for (const g of GRADS.slice(1)) {
      resumed.grad.data.set(g);
      opt2.step();
    }
    expect([...resumed.value.data]).toEqual(fullTraj[2]);
    expect(() => opt2.loadStateDict({ lr: 0.1, state: { nope: { step: 1, buffers: {} } } })).toThrow(/stateDict.state: .*received "nope"/);
  });
});

describe('hyper-parameter validation', () => {
  const p = param();
  const bad: [string, () => unknown, ErrorConstructor, RegExp][] = [
    ['NaN lr', () => new SGD([p], { lr: NaN }), RangeError, /lr: expected a finite number >= 0, received NaN/],
    ['negative lr', () => new Adam([p], { lr: -0.1 }), RangeError, /lr: .*received -0.1/],
    ['string lr', () => new Adagrad([p], { lr: '0.1' as unknown as number }), TypeError, /lr: expected a number, received "0.1"/],
    ['missing SGD lr', () => new SGD([p], {} as { lr: number }), TypeError, /lr: expected a number, received undefined/],
    ['negative momentum', () => new SGD([p], { lr: 0.1, momentum: -0.5 }), RangeError, /momentum: .*received -0.5/],
    ['nesterov without momentum', () => new SGD([p], { lr: 0.1, nesterov: true }), RangeError, /nesterov: requires momentum > 0 and dampening = 0, received momentum 0/],
    ['nesterov with dampening', () => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), RangeError, /dampening 0.1/],
    ['beta1 = 1', () => new Adam([p], { betas: [1, 0.999] }), RangeError, /betas\[0\]: expected a finite number in \[0, 1\), received 1/],
    ['beta2 NaN', () => new AdamW([p], { betas: [0.9, NaN] }), RangeError, /betas\[1\]: .*received NaN/],
    ['betas not a pair', () => new Adam([p], { betas: [0.9] as unknown as [number, number] }), TypeError, /betas: expected a pair \[beta1, beta2\], received an Array of length 1/],
    ['negative eps', () => new Adam([p], { eps: -1e-8 }), RangeError, /eps: .*received -1e-8/],
    ['negative weightDecay', () => new AdamW([p], { weightDecay: -0.01 }), RangeError, /weightDecay: .*received -0.01/],
    ['amsgrad not boolean', () => new Adam([p], { amsgrad: 1 as unknown as boolean }), TypeError, /amsgrad: expected a boolean, received 1/],
    ['negative lrDecay', () => new Adagrad([p], { lrDecay: -1 }), RangeError, /lrDecay: .*received -1/],
    ['negative initialAccumulatorValue', () => new Adagrad([p], { initialAccumulatorValue: -1 }), RangeError, /initialAccumulatorValue: .*received -1/],
    ['alpha above 1', () => new RMSprop([p], { alpha: 1.5 }), RangeError, /alpha: expected a finite number >= 0 and <= 1, received 1.5/],
    ['infinite momentum', () => new RMSprop([p], { momentum: Infinity }), RangeError, /momentum: .*received Infinity/],
    ['empty params', () => new SGD([], { lr: 0.1 }), RangeError, /params: expected at least one Parameter, received an empty array/],
    ['params not an array', () => new Adam(p as unknown as Parameter[]), TypeError, /params: expected an array of Parameters, received an object/],
    ['duplicate params', () => new Adam([p, p]), RangeError, /params: expected each Parameter once, received "w" again at index 1/],
    ['grad shape mismatch', () => new Adam([{ name: 'x', value: tensor([1, 2]), grad: tensor([1]) }]), RangeError, /params\[0\].grad: expected shape \[2\] \(like value\), received \[1\]/],
  ];
  for (const [name, f, cls, msg] of bad) {
    it(`rejects ${name}`, () => {
      expect(f).toThrow(cls);
      expect(f).toThrow(msg);
    });
  }
});
