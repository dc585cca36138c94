#!/usr/bin/env python3
"""Exports the ONNX models onnxruntime-node runs in `npm run bench` (issue 10), once; the files are committed.

  /usr/bin/python3 bench/peers/export_onnx.py        (Debian python3-torch; writes bench/peers/onnx/)

  {cell}_h{H}.onnx       x [batch, seq, H] → logits [batch, 10]: nn.RNN(tanh)/LSTM/GRU(H, H, batch_first)
                         then nn.Linear(H, 10) on the last hidden state — the many-to-one model every
                         system runs; H ∈ {128, 256, 512} for each cell and 1024 for LSTM (DeepBench size)
  {cell}_step_h256.onnx  x [batch, 1, H], h0 [1, batch, H] (, c0) → hN (, cN): one step of the cell, the
                         decode loop's model (state fed back by the caller)
Batch and sequence axes are dynamic. Weights are PyTorch's default initialisation under a fixed seed
(timing does not depend on their values). Opset 14.
"""
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'onnx')
CELLS = {'rnn': torch.nn.RNN, 'lstm': torch.nn.LSTM, 'gru': torch.nn.GRU}


class ManyToOne(torch.nn.Module):
    def __init__(self, cell, H):
        super().__init__()
        self.cell = cell
        self.rnn = CELLS[cell](H, H, batch_first=True)
        self.head = torch.nn.Linear(H, 10)

    def forward(self, x):
        _, h = self.rnn(x)
        h_n = h[0] if self.cell == 'lstm' else h
        return self.head(h_n[-1])


class Step(torch.nn.Module):
    def __init__(self, cell, H):
        super().__init__()
        self.cell = cell
        self.rnn = CELLS[cell](H, H, batch_first=True)

    def forward(self, x, h0, c0=None):
        if self.cell == 'lstm':
            _, (h, c) = self.rnn(x, (h0, c0))
            return h, c
        _, h = self.rnn(x, h0)
        return h


def export(module, args, names, outputs, axes, path):
    module.eval()
    torch.onnx.export(module, args, path, input_names=names, output_names=outputs, dynamic_axes=axes, opset_version=14)
    print(f'wrote {os.path.relpath(path)} ({os.path.getsize(path) / 2**20:.1f} MiB)')


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    sizes = [(cell, H) for cell in CELLS for H in (128, 256, 512)] + [('lstm', 1024)]
    for cell, H in sizes:
        x = torch.randn(2, 5, H)
        export(ManyToOne(cell, H), (x,), ['x'], ['logits'], {'x': {0: 'batch', 1: 'seq'}, 'logits': {0: 'batch'}},
               os.path.join(OUT, f'{cell}_h{H}.onnx'))
    for cell in CELLS:
        H = 256
        x, h0 = torch.randn(2, 1, H), torch.zeros(1, 2, H)
        states = {'h0': {1: 'batch'}, 'hN': {1: 'batch'}}
        if cell == 'lstm':
            args, names, outputs = (x, h0, torch.zeros(1, 2, H)), ['x', 'h0', 'c0'], ['hN', 'cN']
            states.update({'c0': {1: 'batch'}, 'cN': {1: 'batch'}})
        else:
            args, names, outputs = (x, h0), ['x', 'h0'], ['hN']
        export(Step(cell, H), args, names, outputs, {'x': {0: 'batch'}, **states}, os.path.join(OUT, f'{cell}_step_h{H}.onnx'))


if __name__ == '__main__':
    main()
