#!/usr/bin/env python3
"""PyTorch's side of `npm run bench` (issue 10): a child process speaking bench/compare/child.ts's protocol.

  OPENBLAS_NUM_THREADS=n OMP_NUM_THREADS=n /usr/bin/python3 bench/systems/pytorch_child.py n

The parent sets the BLAS thread variables and this sets torch.set_num_threads(n) to the same n (Debian's
torch links OpenBLAS, whose threads set_num_threads does not limit). Workloads (bench/compare/workloads.ts):
  train   nn.RNN/LSTM/GRU(batch_first) → nn.Linear(H, 10) on the last hidden state → cross_entropy →
          backward → SGD(lr 0.01) step; ragged batches go through pack_padded_sequence(enforce_sorted=False)
  infer   eval() and torch.inference_mode(): the same forward and head
  decode  nn.RNNCell/LSTMCell/GRUCell in inference mode, state carried
  sgemm   torch.mm of two n x n float32 matrices (OpenBLAS sgemm)
"""
import json
import os
import sys
import time

n_threads = int(sys.argv[1])
import torch  # noqa: E402 (after the environment is read)

torch.set_num_threads(n_threads)
torch.set_num_interop_threads(1)
TAG = '@@bench '
CLASSES, LR = 10, 0.01
PAGE = os.sysconf('SC_PAGE_SIZE')


def send(msg):
    sys.stdout.write(TAG + json.dumps(msg) + '\n')
    sys.stdout.flush()


def rss_mb():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * PAGE / 2**20


def peak_rss_mb():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) / 1024
    return float('nan')


def reset_peak():
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
    except OSError:
        pass


def uniform(*shape):
    return torch.rand(*shape) * 2 - 1


def prepare(w):
    torch.manual_seed(1)
    kind, cell, B, T, H, I = w['kind'], w['cell'], w['B'], w['T'], w['H'], w['I']
    if kind == 'sgemm':
        a, b = uniform(H, H), uniform(H, H)
        return lambda: torch.mm(a, b)
    name = {'rnn': 'RNN', 'lstm': 'LSTM', 'gru': 'GRU'}[cell]
    if kind == 'decode':
        c = getattr(torch.nn, name + 'Cell')(I, H).eval()
        x = uniform(B, I)
        state = [torch.zeros(B, H), torch.zeros(B, H)] if cell == 'lstm' else torch.zeros(B, H)

        def decode():
            nonlocal state
            with torch.inference_mode():
                state = c(x, state)
        return decode
    rnn = getattr(torch.nn, name)(I, H, batch_first=True)
    head = torch.nn.Linear(H, CLASSES)
    x = uniform(B, T, I)
    lengths = w.get('lengths')
    if lengths:
        lengths_t = torch.tensor(lengths, dtype=torch.int64)

    def forward():
        seq = torch.nn.utils.rnn.pack_padded_sequence(x, lengths_t, batch_first=True, enforce_sorted=False) if lengths else x
        _, h = rnn(seq)
        h_n = h[0] if cell == 'lstm' else h
        return head(h_n[-1])
    if kind == 'infer':
        rnn.eval()
        head.eval()

        def infer():
            with torch.inference_mode():
                forward()
        return infer
    y = torch.tensor([(b * 7 + 3) % CLASSES for b in range(B)])
    opt = torch.optim.SGD(list(rnn.parameters()) + list(head.parameters()), lr=LR)

    def train():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(forward(), y)
        loss.backward()
        opt.step()
    return train


def main():
    send({'type': 'hello', 'rssMB': rss_mb(), 'torch': torch.__version__})
    step = None
    for line in sys.stdin:
        cmd = json.loads(line)
        c = cmd['cmd']
        try:
            if c == 'setup':
                step = None
                reset_peak()
                step = prepare(cmd['workload'])
                send({'type': 'ready', 'rssMB': rss_mb()})
            elif c == 'warmup':
                t = time.perf_counter()
                step()
                first = (time.perf_counter() - t) * 1000
                if first > cmd['capMs']:
                    send({'type': 'capped', 'stepMs': first})
                    continue
                times, start = [first], time.perf_counter()
                while (time.perf_counter() - start) * 1000 < cmd['warmMs'] and len(times) < 1000:
                    t = time.perf_counter()
                    step()
                    times.append((time.perf_counter() - t) * 1000)
                times.sort()
                send({'type': 'warm', 'stepMs': times[len(times) // 2], 'first': first})
            elif c == 'rep':
                t = time.perf_counter()
                for _ in range(cmd['iters']):
                    step()
                send({'type': 'rep', 'ms': (time.perf_counter() - t) * 1000 / cmd['iters']})
            elif c == 'trace':
                rss = []
                for _ in range(cmd['steps']):
                    step()
                    rss.append(rss_mb())
                send({'type': 'trace', 'rss': rss, 'peakRssMB': peak_rss_mb()})
            elif c == 'finish':
                send({'type': 'finished', 'peakRssMB': peak_rss_mb(), 'rssMB': rss_mb()})
                step = None
            elif c == 'exit':
                return
            else:
                raise ValueError(f'unknown command {c}')
        except Exception as err:  # reported to the parent, which prints it in the row
            send({'type': 'error', 'message': f'{type(err).__name__}: {err}'})


if __name__ == '__main__':
    main()
