// Weights move both ways between fastrnn and PyTorch through safetensors (fixtures made by
// test/fixtures/roundtrip/export.ts then torch_outputs.py; CI needs no PyTorch).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSafetensorsSync, serializeSafetensors } from '../../src/io/safetensors.js';
import { LSTM } from '../../src/layers/lstm.js';
import { ROUND_TRIP_CASES, buildInputs, buildLayer } from '../fixtures/roundtrip/layers.js';
import { testBackends } from '../helpers/backends.js';
import { relativeError } from '../helpers/gradcheck.js';

const dir = fileURLToPath(new URL('../fixtures/roundtrip/', import.meta.url));
const TOL = 1e-5;

describe('fastrnn → PyTorch', () => {
  it.each(ROUND_TRIP_CASES)('$name: the committed file is byte for byte what saveSafetensors writes today', (c) => {
    const committed = readFileSync(`${dir}${c.name}.safetensors`);
    expect(Buffer.compare(serializeSafetensors(buildLayer(c).stateDict()), committed)).toBe(0);
  });

  for (const backend of testBackends()) {
    it.each(ROUND_TRIP_CASES)(`$name: PyTorch, having loaded that file, computes what fastrnn computes (${backend.name})`, (c) => {
      const layer = buildLayer(c, backend.name);
      layer.eval();
      const { x, h0, c0 } = buildInputs(c);
      const torch = loadSafetensorsSync(`${dir}${c.name}.torch.safetensors`);
      const { output, hN, cN } = layer.forward(x, h0, c0);
      expect(relativeError(output.data, torch.output.data), 'output').toBeLessThanOrEqual(TOL);
      expect(relativeError(hN.data, torch.h_n.data), 'h_n').toBeLessThanOrEqual(TOL);
      if (cN) expect(relativeError(cN.data, torch.c_n.data), 'c_n').toBeLessThanOrEqual(TOL);
    });
  }
});

describe('PyTorch → fastrnn', () => {
  for (const backend of testBackends()) {
    it(`a torch.nn.LSTM state_dict saved by PyTorch loads straight into LSTM and gives PyTorch's outputs (${backend.name})`, () => {
      const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, backend: backend.name, seed: 0 });
      lstm.loadStateDict(loadSafetensorsSync(fileURLToPath(new URL('../fixtures/golden/pytorch_rnn_state_dict.safetensors', import.meta.url))));
      const torch = loadSafetensorsSync(`${dir}pytorch_lstm.torch.safetensors`);
      const { output, hN, cN } = lstm.eval().forward(torch.x);
      expect(relativeError(output.data, torch.output.data)).toBeLessThanOrEqual(TOL);
      expect(relativeError(hN.data, torch.h_n.data)).toBeLessThanOrEqual(TOL);
      expect(relativeError(cN!.data, torch.c_n.data)).toBeLessThanOrEqual(TOL);
    });

    it(`a torch.nn.LSTM(5, 6, 2, bidirectional, proj_size=2) state_dict saved by PyTorch loads (strict) into LSTM({ projSize: 2 }) and gives PyTorch's outputs (${backend.name})`, () => {
      const lstm = new LSTM({ inputSize: 5, hiddenSize: 6, numLayers: 2, bidirectional: true, projSize: 2, backend: backend.name, seed: 0 });
      const sd = loadSafetensorsSync(`${dir}pytorch_lstm_proj.safetensors`);
      expect(Object.keys(sd).sort()).toEqual(Object.keys(lstm.stateDict()).sort());
      lstm.loadStateDict(sd);
      const torch = loadSafetensorsSync(`${dir}pytorch_lstm_proj.torch.safetensors`);
      const { output, hN, cN } = lstm.eval().forward(torch.x, torch.h0, torch.c0);
      expect(output.shape).toEqual([3, 4, 4]);
      expect(relativeError(output.data, torch.output.data), 'output').toBeLessThanOrEqual(TOL);
      expect(relativeError(hN.data, torch.h_n.data), 'h_n').toBeLessThanOrEqual(TOL);
      expect(relativeError(cN!.data, torch.c_n.data), 'c_n').toBeLessThanOrEqual(TOL);
    });
  }
});
