export * from './tensor.js';
export type { Parameter, StateDict } from './parameter.js';
