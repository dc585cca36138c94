/**
 * The reference engine: plain loops over typed arrays, float32 or float64. It is the specification the
 * native engine is proven against, and the fallback wherever the addon cannot load. Every call first checks
 * the projection fields all cells share (P, weightHr, dWeightHr: common.ts, checkProjection).
 */
import type { Backend, CellKind, LinearBackwardArgs, LinearForwardArgs, RecurrentBackwardArgs, RecurrentForwardArgs } from '../backend.js';
import { rnnBackward, rnnForward } from './rnn.js';
import { lstmBackward, lstmForward } from './lstm.js';
import { gruBackward, gruForward } from './gru.js';
import { checkProjection } from './common.js';
import { linearBackward, linearForward } from './linear.js';

const CELLS: readonly CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

function unsupported(cell: unknown): never {
  throw new RangeError(`reference backend: expected cell 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru', received ${JSON.stringify(cell)}`);
}

export const referenceBackend: Backend = {
  name: 'reference',
  supportsFloat64: true,
  recurrentForward(cell: CellKind, args: RecurrentForwardArgs): void {
    if (CELLS.includes(cell)) checkProjection(cell, args, 'forward');
    if (cell === 'rnn_tanh') return rnnForward('tanh', args);
    if (cell === 'rnn_relu') return rnnForward('relu', args);
    if (cell === 'lstm') return lstmForward(args);
    if (cell === 'gru') return gruForward(args);
    unsupported(cell);
  },
  recurrentBackward(cell: CellKind, args: RecurrentBackwardArgs): void {
    if (CELLS.includes(cell)) checkProjection(cell, args, 'backward');
    if (cell === 'rnn_tanh') return rnnBackward('tanh', args);
    if (cell === 'rnn_relu') return rnnBackward('relu', args);
    if (cell === 'lstm') return lstmBackward(args);
    if (cell === 'gru') return gruBackward(args);
    unsupported(cell);
  },
  linearForward(args: LinearForwardArgs): void {
    linearForward(args);
  },
  linearBackward(args: LinearBackwardArgs): void {
    linearBackward(args);
  },
};
