/**
 * The report of a saved model (`fastrnn inspect --report`): what was recorded while it trained (report.json,
 * or only history.json when it trained without a report), with the hidden-state trace and the nearest
 * words computed again from the model as loaded.
 *
 *   const data = modelReport(model, { recorded, history, vocab, input, words });
 *   await writeReport('out', data);
 */
import type { History } from '../train/fit-history.js';
import type { TrainableModel } from '../train/trainable.js';
import type { Vocab } from '../text/vocab.js';
import { defaultWords, emptyReport, nearestView, traceView, type ReportData } from './data.js';

export interface ModelReportOptions {
  /** report.json of the training run, if it was recorded */
  recorded?: ReportData | null;
  /** the History (history.json) when there is no report.json */
  history?: History | null;
  title?: string;
  /** the model's input vocabulary (token labels, nearest words) */
  vocab?: Vocab | null;
  /** token ids to trace (default: the input the training report traced) */
  input?: ArrayLike<number> | null;
  /** words for the nearest-words table (default: the recorded ones, else the most frequent words) */
  words?: string[] | null;
  /** list nearest words (default true when vocab is given) */
  nearest?: boolean;
}

export function modelReport(model: TrainableModel<unknown, unknown>, o: ModelReportOptions = {}): ReportData {
  const fresh = emptyReport(model, o.title ?? o.recorded?.title ?? null);
  const data: ReportData = o.recorded ? { ...o.recorded, model: fresh.model, notes: { ...o.recorded.notes } } : fresh;
  if (!o.recorded) {
    data.history = o.history ?? null;
    const why = 'not recorded: the model was trained without a report (fastrnn train --report DIR records it)';
    data.notes.batches = why;
    data.notes.stepGradients = why;
  }
  const vocab = o.vocab ?? null;
  const ids = o.input ? Array.from(o.input) : o.recorded?.trace?.ids ?? null;
  const wasTraining = model.training;
  try {
    data.trace = ids ? traceView(model, ids, vocab) : null;
    if (!data.trace) data.notes.trace = ids ? 'the model has no embedding and recurrent layer to trace' : 'no input to trace: pass one (fastrnn inspect --report-input TEXT)';
    else delete data.notes.trace;
    const words = o.words ?? o.recorded?.nearest?.map((n) => n.word) ?? (vocab ? defaultWords(vocab) : []);
    if ((o.nearest ?? vocab !== null) && vocab) {
      data.nearest = nearestView(model, vocab, words);
      delete data.notes.nearest;
    } else {
      data.nearest = null;
      data.notes.nearest = vocab ? 'nearest words are off for this model (a character vocabulary)' : 'nearest words need the vocabulary';
    }
  } finally {
    model.train(wasTraining);
  }
  return data;
}
