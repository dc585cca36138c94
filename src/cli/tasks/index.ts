/** The four tasks of the command line, by name. */
import type { TaskName } from '../meta.js';
import type { Task } from './task.js';
import { classifyTask } from './classify.js';
import { tagTask } from './tag.js';
import { lmTask } from './lm.js';
import { seq2seqTask } from './seq2seq.js';

export type { Task, ModelFlags, VocabLimits, PredictOptions } from './task.js';

const TASK_TABLE: Record<TaskName, Task> = { classify: classifyTask, tag: tagTask, lm: lmTask, seq2seq: seq2seqTask } as Record<TaskName, Task>;

export function taskFor(name: TaskName): Task {
  return TASK_TABLE[name];
}
