/**
 * The one error a safetensors reader throws for a malformed or hostile file. Every message says what the
 * format requires and what the file holds, so a user can tell a truncated download from a wrong format.
 * Argument mistakes by the caller (a non-Tensor in a state dict, a bad option) stay TypeError/RangeError.
 */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsError';
  }
}
