#!/usr/bin/python3
"""The ViT Lab model in PyTorch, for bench/train-throughput.ts.

Same model as src-main/vit/model.ts (DESIGN.md "The model"): p x p patches -> Linear(p*p*C, dim),
cls token, position embedding, `depth` pre-norm blocks (x + MHA(LN(x)), x + MLP(LN(x))), qkv as one
Linear(dim, 3*dim), fc_out, MLP Linear(dim, mlp) -> ReLU|GELU -> Linear(mlp, dim), head
LayerNorm -> Linear on the cls token. nn.Linear's default init (as the tfjs model copies),
cls/pos truncated normal std 0.02. Adam lr 1e-3, batch from the config, cross-entropy.

Prints one JSON line: training samples/s (median of windows after warm-up), inference samples/s at
batch 1000, peak RSS, which BLAS is loaded and an sgemm GFLOP/s check.

With --epochs N (for bench/train-epochs.ts): trains N epochs on the real Fashion-MNIST (IDX files in
--data), the seed recipe (Adam at a constant lr, no smoothing, no augmentation, a fresh shuffle per
epoch, pixels normalised by the training set's mean and std as the app does) and prints one JSON
line with each epoch's seconds and test accuracy and the whole wall time.
"""
import argparse
import gzip
import os
import struct
import json
import math
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, dim, heads, mlp, act):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.fc_out = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp1 = nn.Linear(dim, mlp)
        self.mlp2 = nn.Linear(mlp, dim)
        self.act = nn.GELU() if act == 'gelu' else nn.ReLU()

    def forward(self, x):
        B, N, D = x.shape
        h = self.heads
        q, k, v = self.qkv(self.norm1(x)).split(D, dim=-1)
        q = q.reshape(B, N, h, D // h).transpose(1, 2)
        k = k.reshape(B, N, h, D // h).transpose(1, 2)
        v = v.reshape(B, N, h, D // h).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(D // h), dim=-1)
        o = (a @ v).transpose(1, 2).reshape(B, N, D)
        x = x + self.fc_out(o)
        return x + self.mlp2(self.act(self.mlp1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c['dim']
        n = (c['image'] // c['patch']) ** 2
        self.patch_embedding = nn.Linear(c['patch'] * c['patch'] * c['channels'], d)
        self.cls_token = nn.Parameter(torch.nn.init.trunc_normal_(torch.empty(1, 1, d), std=0.02))
        self.pos_embedding = nn.Parameter(torch.nn.init.trunc_normal_(torch.empty(1, n + 1, d), std=0.02))
        self.blocks = nn.ModuleList(Block(d, c['heads'], c['mlp'], c['activation']) for _ in range(c['depth']))
        self.head_norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, c['classes'])

    def forward(self, patches):  # [B, P, F], patches cut on the data side as in tfjs
        x = self.patch_embedding(patches)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embedding
        for b in self.blocks:
            x = b(x)
        return self.head(self.head_norm(x[:, 0]))


def blas_name():
    with open('/proc/self/maps') as f:
        libs = {line.split()[-1] for line in f if '.so' in line}
    blas = sorted(p for p in libs if 'blas' in p.lower() or 'mkl' in p.lower())
    return ', '.join(p.rsplit('/', 2)[-2] + '/' + p.rsplit('/', 1)[-1] for p in blas) or 'none found'


def sgemm_gflops():
    a = torch.randn(1024, 1024)
    b = torch.randn(1024, 1024)
    a @ b
    t = time.perf_counter()
    reps = 5
    for _ in range(reps):
        a @ b
    return 2 * 1024 ** 3 * reps / (time.perf_counter() - t) / 1e9


def load_idx(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    magic, n = struct.unpack('>II', data[:8])
    if magic == 2051:
        rows, cols = struct.unpack('>II', data[8:16])
        return torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8).reshape(n, rows, cols)
    return torch.frombuffer(bytearray(data[8:]), dtype=torch.uint8).long()


def patchify(images, p, mean, std):
    """[n, s, s] uint8 -> [n, (s/p)^2, p*p] normalised floats, (py, px) order within a patch (model.ts)."""
    n, s, _ = images.shape
    g = s // p
    x = images.reshape(n, g, p, g, p).permute(0, 1, 3, 2, 4).reshape(n, g * g, p * p).float()
    return (x / 255 - mean) / std


def train_epochs(c, epochs, data_dir):
    t_load = time.perf_counter()
    train_x = load_idx(os.path.join(data_dir, 'train-images-idx3-ubyte.gz'))
    train_y = load_idx(os.path.join(data_dir, 'train-labels-idx1-ubyte.gz'))
    test_x = load_idx(os.path.join(data_dir, 't10k-images-idx3-ubyte.gz'))
    test_y = load_idx(os.path.join(data_dir, 't10k-labels-idx1-ubyte.gz'))
    px = train_x.double() / 255
    mean, std = px.mean().item(), px.std(unbiased=False).item()
    xs = patchify(train_x, c['patch'], mean, std)
    xt = patchify(test_x, c['patch'], mean, std)
    load_s = time.perf_counter() - t_load
    model = ViT(c)
    opt = torch.optim.Adam(model.parameters(), lr=c['lr'])
    gen = torch.Generator().manual_seed(0)
    B = c['batch']
    out = []
    t0 = time.perf_counter()
    for epoch in range(1, epochs + 1):
        te = time.perf_counter()
        model.train()
        order = torch.randperm(xs.shape[0], generator=gen)
        loss_sum = 0.0
        for s in range(0, xs.shape[0], B):
            idx = order[s:s + B]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xs[idx]), train_y[idx])
            loss.backward()
            opt.step()
            loss_sum += loss.item() * idx.shape[0]
        model.eval()
        correct = 0
        with torch.no_grad():
            for s in range(0, xt.shape[0], 1000):
                correct += (model(xt[s:s + 1000]).argmax(-1) == test_y[s:s + 1000]).sum().item()
        out.append({'epoch': epoch, 'seconds': time.perf_counter() - te, 'trainLoss': loss_sum / xs.shape[0],
                    'testAcc': correct / xt.shape[0]})
        print(json.dumps({'progress': out[-1]}), flush=True)
    return {'epochs': out, 'wallSeconds': time.perf_counter() - t0, 'loadSeconds': load_s,
            'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'blas': blas_name(),
            'torch': torch.__version__}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=0)
    ap.add_argument('--data', default='/usr/share/datasets/fashion-mnist')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--steps', type=int, default=60)
    ap.add_argument('--warmup', type=int, default=10)
    ap.add_argument('--window', type=int, default=10)
    ap.add_argument('--config', default='{}')
    args = ap.parse_args()
    c = {'image': 28, 'channels': 1, 'classes': 10, 'patch': 4, 'dim': 64, 'depth': 4, 'heads': 4,
         'mlp': 256, 'activation': 'relu', 'batch': 100, 'lr': 1e-3}
    c.update(json.loads(args.config))
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.epochs > 0:
        print(json.dumps(train_epochs(c, args.epochs, args.data)))
        return
    model = ViT(c)
    opt = torch.optim.Adam(model.parameters(), lr=c['lr'])
    P = (c['image'] // c['patch']) ** 2
    Fdim = c['patch'] * c['patch'] * c['channels']
    B = c['batch']
    xs = torch.randn(20, B, P, Fdim)
    ys = torch.randint(0, c['classes'], (20, B))

    windows = []
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for s in range(args.warmup + args.steps):
        if s == args.warmup:
            t0 = time.perf_counter()
            cpu0 = time.process_time()  # every thread of the process
        x, y = xs[s % 20], ys[s % 20]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        if s >= args.warmup and (s - args.warmup + 1) % args.window == 0:
            now = time.perf_counter()
            windows.append(args.window * B / (now - t0))
            t0 = now

    train_sps_cpu = args.steps * B / (time.process_time() - cpu0)
    xi = torch.randn(1000, P, Fdim)
    times = []
    with torch.no_grad():
        for r in range(7):
            t = time.perf_counter()
            model(xi).argmax(-1).numpy()
            if r > 0:
                times.append(time.perf_counter() - t)
    print(json.dumps({
        'threads': args.threads,
        'trainSps': statistics.median(windows),
        'trainSpsCpu': train_sps_cpu,
        'windows': windows,
        'inferSps': 1000 / statistics.median(times),
        'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'blas': blas_name(),
        'gflops': sgemm_gflops(),
        'torch': torch.__version__,
    }))


if __name__ == '__main__':
    main()
