#!/usr/bin/env python3
"""PyTorch's side of the training-throughput comparison (not run by CI; needs Debian's python3-torch).

Same work as `npm run bench`'s rows: one training step (forward + backward of sum(output)) of a single-layer
RNN / LSTM / GRU, batch_first, B=32, T=64, I=H, float32, median of 8 timed steps after 2 warm-up steps,
with 1 and 2 intra-op threads.

  apt-get install -y python3-torch libopenblas0-pthread && /usr/bin/python3 bench/pytorch/train_throughput.py
"""
import statistics
import time

import torch


def seq_per_second(cell, H, threads, B=32, T=64, reps=8):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    module = getattr(torch.nn, cell)(H, H, batch_first=True)
    x = torch.randn(B, T, H, requires_grad=True)
    times = []
    for i in range(reps + 2):
        start = time.perf_counter()
        out, _ = module(x)
        out.sum().backward()
        if i >= 2:
            times.append(time.perf_counter() - start)
    return B / statistics.median(times)


def main():
    print(f'torch {torch.__version__}')
    print(f"{'cell':<6}{'H':>5}{'1 thread':>12}{'2 threads':>12}  (training sequences/second)")
    for cell, H in [('RNN', 128), ('RNN', 256), ('LSTM', 128), ('LSTM', 256), ('GRU', 128), ('GRU', 256)]:
        one, two = (seq_per_second(cell, H, t) for t in (1, 2))
        print(f'{cell:<6}{H:>5}{one:>12.0f}{two:>12.0f}')


if __name__ == '__main__':
    main()
