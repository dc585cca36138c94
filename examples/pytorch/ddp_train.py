#!/usr/bin/env python3
"""Continue training a fastrnn SequenceClassifier with PyTorch DistributedDataParallel, then hand it back.

  torchrun --nproc_per_node 2 examples/pytorch/ddp_train.py --model START_DIR --train train.jsonl \
      --out OUT_DIR [--valid valid.jsonl] [--epochs 5] [--batch-size 32] [--lr 2e-3] [--clip 5] [--seed 0] \
      [--check-logits start-logits.json] [--write-logits out-logits.json]

Needs only torch and numpy (no `safetensors` package). Datasets are JSONL, one `{"ids": [...], "label": k}` a
line. The steps:
1. Reads START_DIR/config.json (kind "classifier") and START_DIR/model.safetensors (by hand: an 8-byte
   little-endian header length, a JSON header name -> {dtype, shape, data_offsets}, then the raw data) into
   `Classifier` below, whose parameters carry fastrnn's names (embedding.weight, rnn.weight_ih_l0 ...,
   head.weight, head.bias): load_state_dict(strict=True).
2. --check-logits FILE: the logits fastrnn computed on the --valid examples (make-start.ts writes them); this
   module's must agree within 1e-5 or the run stops before training.
3. Trains under DistributedDataParallel, gloo backend on CPU: every process takes its share of each epoch
   (DistributedSampler) and backward averages the gradients across processes, so one step sees the global
   batch (batch size x processes). Cross-entropy (mean) and Adam, as fastrnn's fit.
4. Rank 0 writes OUT_DIR the way fastrnn does (a temporary sibling directory, then a rename): config.json
   unchanged (same kind and config), vocab.json if there was one, and a new model.safetensors (F32, names
   sorted, header padded with spaces to 8 bytes). `SequenceClassifier.load(OUT_DIR)` reads it.
   --write-logits FILE stores the final model's logits on the --valid examples (for check-back.ts).

The model, as src/models/classifier.ts and src/models/pooling.ts compute it: ids [B, T] right-padded ->
Embedding (padding_idx) -> RNN / LSTM / GRU (batch_first, packed by the lengths, so padding changes nothing)
-> pooling -> Linear -> logits [B, C]. Pooling 'last': the last layer's final state of each direction,
[forward | reverse] (the reverse direction's state after it read step 0); 'mean' / 'max': the output
averaged / maximised element-wise over t < length.
"""
import argparse
import json
import os
import shutil
import struct
import tempfile
import time

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # Debian's torch uses OpenBLAS: one thread per process

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.parallel import DistributedDataParallel  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402
from torch.utils.data import DataLoader, DistributedSampler  # noqa: E402

DTYPES = {'F32': '<f4', 'F64': '<f8', 'F16': '<f2'}
CELLS = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}


class Classifier(nn.Module):
    """fastrnn's SequenceClassifier with the same parameter names, built from its config.json `config`."""

    def __init__(self, c):
        super().__init__()
        if c.get('multiLabel'):
            raise SystemExit('ddp_train.py: expected a single-label classifier, received multiLabel: true')
        self.pooling, self.pad = c.get('pooling', 'last'), c.get('paddingIdx', 0)
        layers, directions = c.get('numLayers', 1), 2 if c.get('bidirectional') else 1
        extra = {'nonlinearity': c.get('nonlinearity', 'tanh')} if c['cell'] == 'rnn' else {}
        self.embedding = nn.Embedding(c['vocabSize'], c['embeddingDim'], padding_idx=c.get('paddingIdx'))
        self.rnn = CELLS[c['cell']](c['embeddingDim'], c['hiddenSize'], num_layers=layers, batch_first=True,
                                    bidirectional=directions == 2, dropout=c.get('dropout', 0.0) if layers > 1 else 0.0, **extra)
        self.head = nn.Linear(directions * c['hiddenSize'], c['numClasses'])

    def forward(self, ids, lengths):
        packed = pack_padded_sequence(self.embedding(ids), lengths, batch_first=True, enforce_sorted=False)
        output, h_n = self.rnn(packed)
        if isinstance(h_n, tuple):  # LSTM: (h_n, c_n)
            h_n = h_n[0]
        if self.pooling == 'last':  # h_n [L*D, B, H]: the last layer's rows, one per direction
            D = 2 if self.rnn.bidirectional else 1
            pooled = torch.cat(list(h_n[-D:]), dim=1)
        else:
            y, _ = pad_packed_sequence(output, batch_first=True)  # [B, T, D*H], zeros past each length
            valid = (torch.arange(y.shape[1])[None, :] < lengths[:, None])[:, :, None]
            if self.pooling == 'mean':
                pooled = y.sum(dim=1) / lengths[:, None].to(y.dtype)
            else:
                pooled = y.masked_fill(~valid, float('-inf')).max(dim=1).values
        return self.head(pooled)


# ── the model directory ─────────────────────────────────────────────────────────────────────────────

def read_safetensors(path):
    raw = open(path, 'rb').read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    header.pop('__metadata__', None)
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        begin, end = info['data_offsets']
        array = np.frombuffer(data[begin:end], dtype=DTYPES[info['dtype']]).reshape(info['shape'])
        out[name] = torch.from_numpy(array.astype(np.float32))  # astype copies: writable, host order
    return out


def safetensors_bytes(state_dict, metadata):
    names = sorted(state_dict)
    arrays = [state_dict[k].detach().cpu().to(torch.float32).contiguous().numpy().astype('<f4') for k in names]
    header, offset = {'__metadata__': metadata}, 0
    for name, a in zip(names, arrays):
        header[name] = {'dtype': 'F32', 'shape': list(a.shape), 'data_offsets': [offset, offset + a.nbytes]}
        offset += a.nbytes
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)  # the data buffer starts 8-byte aligned
    return struct.pack('<Q', len(text)) + text + b''.join(a.tobytes() for a in arrays)


def load_model_dir(path):
    config = json.load(open(os.path.join(path, 'config.json')))
    if config.get('format') != 'fastrnn-model' or config.get('kind') != 'classifier':
        raise SystemExit(f'ddp_train.py: expected a fastrnn classifier directory, received kind {config.get("kind")!r} '
                         f'format {config.get("format")!r} in {path}')
    model = Classifier(config['config'])
    model.load_state_dict(read_safetensors(os.path.join(path, 'model.safetensors')), strict=True)
    return model, config


def save_model_dir(model, config, source, target):
    target = os.path.abspath(target)
    tmp = tempfile.mkdtemp(prefix=f'.{os.path.basename(target)}.tmp-', dir=os.path.dirname(target))
    with open(os.path.join(tmp, 'model.safetensors'), 'wb') as f:
        f.write(safetensors_bytes(model.state_dict(), {'format': 'fastrnn-model', 'kind': config['kind']}))
    if os.path.exists(os.path.join(source, 'vocab.json')):
        shutil.copyfile(os.path.join(source, 'vocab.json'), os.path.join(tmp, 'vocab.json'))
    with open(os.path.join(tmp, 'config.json'), 'w') as f:  # last, as fastrnn: marks a complete directory
        f.write(json.dumps(config, indent=2) + '\n')
    if os.path.exists(target):
        shutil.rmtree(target)
    os.rename(tmp, target)


# ── data ────────────────────────────────────────────────────────────────────────────────────────────

def read_jsonl(path):
    rows = []
    for i, line in enumerate(open(path), 1):
        if line.strip():
            r = json.loads(line)
            if not r.get('ids') or not isinstance(r.get('label'), int):
                raise SystemExit(f'{path}:{i}: expected {{"ids": [at least one id], "label": k}}, received {line.strip()[:80]}')
            rows.append((r['ids'], r['label']))
    return rows


def collate(rows, pad):
    lengths = torch.tensor([len(ids) for ids, _ in rows])
    ids = torch.full((len(rows), int(lengths.max())), pad, dtype=torch.long)
    for b, (seq, _) in enumerate(rows):
        ids[b, :len(seq)] = torch.tensor(seq)
    return ids, lengths, torch.tensor([label for _, label in rows])


@torch.no_grad()
def logits_of(model, rows, pad, batch=256):
    model.eval()
    out = torch.cat([model(*collate(rows[s:s + batch], pad)[:2]) for s in range(0, len(rows), batch)])
    model.train()
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--model', required=True), p.add_argument('--train', required=True), p.add_argument('--out', required=True)
    p.add_argument('--valid'), p.add_argument('--check-logits'), p.add_argument('--write-logits')
    p.add_argument('--epochs', type=int, default=5), p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--lr', type=float, default=2e-3), p.add_argument('--clip', type=float), p.add_argument('--seed', type=int, default=0)
    a = p.parse_args()
    if (a.check_logits or a.write_logits) and not a.valid:
        p.error('--check-logits and --write-logits are logits on the --valid examples: give --valid')

    torch.set_num_threads(1)
    dist.init_process_group('gloo')  # torchrun sets RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
    rank, world = dist.get_rank(), dist.get_world_size()
    say = print if rank == 0 else (lambda *_: None)
    torch.manual_seed(a.seed)

    model, config = load_model_dir(a.model)
    train, valid = read_jsonl(a.train), read_jsonl(a.valid) if a.valid else None
    sampler = DistributedSampler(train, num_replicas=world, rank=rank, shuffle=True, seed=a.seed)
    say(f'loaded {a.model}: {config["config"]["cell"]} classifier, {sum(t.numel() for t in model.parameters())} parameters; '
        f'{len(train)} training examples over {world} processes (gloo, CPU), {len(sampler)} each per epoch, '
        f'global batch {a.batch_size * world}')
    if a.check_logits:  # every rank checks (cheap), so all stop together on a mismatch
        want = torch.tensor(json.load(open(a.check_logits))['logits'], dtype=torch.float64)
        diff = float((logits_of(model, valid, model.pad).double() - want).abs().max())
        say(f'(a) PyTorch forward on the fastrnn weights vs fastrnn logits ({len(valid)} examples): max |diff| {diff:.3e}')
        if not diff <= 1e-5:
            raise SystemExit(f'ddp_train.py: expected the logits within 1e-5 of fastrnn\'s, received max |diff| {diff:.3e}' if rank == 0 else 1)

    ddp = DistributedDataParallel(model)  # broadcasts rank 0's parameters; averages gradients on backward
    loader = DataLoader(train, batch_size=a.batch_size, sampler=sampler, collate_fn=lambda rows: collate(rows, model.pad))
    optimizer = torch.optim.Adam(ddp.parameters(), lr=a.lr)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(a.epochs):
        sampler.set_epoch(epoch)
        start, total = time.perf_counter(), torch.zeros(2, dtype=torch.float64)
        for ids, lengths, labels in loader:
            optimizer.zero_grad()
            loss = loss_fn(ddp(ids, lengths), labels)
            loss.backward()
            if a.clip:
                nn.utils.clip_grad_norm_(ddp.parameters(), a.clip)
            optimizer.step()
            total += torch.tensor([float(loss) * len(labels), len(labels)], dtype=torch.float64)
        dist.all_reduce(total)  # summed over the processes
        line = f'epoch {epoch + 1}/{a.epochs}: train loss {float(total[0] / total[1]):.4f}'
        if valid and rank == 0:
            logits = logits_of(model, valid, model.pad)
            labels = torch.tensor([label for _, label in valid])
            right = int((logits.argmax(1) == labels).sum())
            line += f', valid loss {float(loss_fn(logits, labels)):.4f}, accuracy {100 * right / len(valid):.2f} % ({right}/{len(valid)})'
        say(f'{line} ({time.perf_counter() - start:.1f} s)')

    flat = torch.cat([t.detach().flatten() for t in model.parameters()])
    high, low = flat.clone(), flat.clone()  # each parameter's largest and smallest value across the processes
    dist.all_reduce(high, op=dist.ReduceOp.MAX), dist.all_reduce(low, op=dist.ReduceOp.MIN)
    say(f'the {world} processes hold the same weights: max spread of a parameter across them {float((high - low).max()):.1e}')
    if rank == 0:
        save_model_dir(model, config, a.model, a.out)
        say(f'wrote {a.out}/ (config.json, model.safetensors)')
        if a.write_logits:
            with open(a.write_logits, 'w') as f:
                json.dump({'data': os.path.basename(a.valid), 'logits': logits_of(model, valid, model.pad).tolist()}, f)
            say(f'wrote {a.write_logits}: the final model\'s logits on {a.valid}')
    dist.barrier()
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
