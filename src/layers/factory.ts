/**
 * One constructor for every cell kind, for models and tests that pick the cell by name. Options pass through
 * unchanged, so `projSize` reaches the LSTM and is rejected (RangeError) by the other layers when nonzero.
 */
import type { CellKind } from '../backend/backend.js';
import { checkOneOf } from '../errors.js';
import type { RecurrentLayer, RecurrentOptions } from './recurrent.js';
import { RNN } from './rnn.js';
import { LSTM } from './lstm.js';
import { GRU } from './gru.js';

export const CELL_KINDS: readonly CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

export function createRecurrentLayer(cell: CellKind, options: RecurrentOptions): RecurrentLayer {
  const kind = checkOneOf('cell', cell, CELL_KINDS);
  if (kind === 'rnn_tanh' || kind === 'rnn_relu') return new RNN({ ...options, nonlinearity: kind === 'rnn_tanh' ? 'tanh' : 'relu' });
  if (kind === 'lstm') return new LSTM(options);
  if (kind === 'gru') return new GRU(options);
  throw new RangeError(`cell: ${JSON.stringify(kind)} has no layer class`);
}
