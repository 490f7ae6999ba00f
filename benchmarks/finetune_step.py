"""PyTorch side of benchmarks/finetune-step.ts: one fine-tuning step (forward in train mode with
dropout, backward to every weight and the input, torch.optim.AdamW) of N post-LN BERT layers.

Usage: /usr/bin/python3 benchmarks/finetune_step.py '{"layers":2,"batch":32,"seq":128,"hidden":256,
        "heads":4,"intermediate":1024,"threads":2,"dropout":0.1}'
Builds the layers, takes a warm-up step, prints {"ready": …, "torch": version, "threads": n}, then
runs one step per "step" line on stdin and prints its seconds (whole step and parts) and the process's
peak memory so far (maxrss_kb: resource.getrusage's ru_maxrss, kilobytes on Linux) as a JSON line.
"""
import json
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, h, heads, inter, p):
        super().__init__()
        self.h, self.heads = h, heads
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.fc1, self.fc2 = nn.Linear(h, inter), nn.Linear(inter, h)
        self.ln1, self.ln2 = nn.LayerNorm(h, eps=1e-12), nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(p)

    def forward(self, x, mask):
        B, T, H = x.shape
        d = H // self.heads

        def split(t):
            return t.view(B, T, self.heads, d).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        p = self.drop(torch.softmax(q @ k.transpose(-1, -2) / d**0.5 + mask, dim=-1))
        ctx = (p @ v).transpose(1, 2).reshape(B, T, H)
        h1 = self.ln1(x + self.drop(self.o(ctx)))
        return self.ln2(h1 + self.drop(self.fc2(F.gelu(self.fc1(h1)))))


def build(a):
    torch.manual_seed(0)
    layers = nn.ModuleList(Layer(a["hidden"], a["heads"], a["intermediate"], a["dropout"]) for _ in range(a["layers"]))
    layers.train()
    opt = torch.optim.AdamW(layers.parameters(), lr=1e-4)
    B, T, H = a["batch"], a["seq"], a["hidden"]
    mask = torch.zeros(B, 1, 1, T)
    g = torch.randn(B, T, H)

    def step():
        x = torch.randn(B, T, H, requires_grad=True)
        t0 = time.perf_counter()
        y = x
        for layer in layers:
            y = layer(y, mask)
        t1 = time.perf_counter()
        y.backward(g)
        t2 = time.perf_counter()
        opt.step()
        opt.zero_grad(set_to_none=True)
        t3 = time.perf_counter()
        return {"step": t3 - t0, "forward": t1 - t0, "backward": t2 - t1, "optimizer": t3 - t2}

    return step


def main():
    a = json.loads(sys.argv[1])
    torch.set_num_threads(a["threads"])
    step = build(a)
    step()  # warm-up
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    # one step per input line, so the caller can alternate with its own steps under the same load
    for line in sys.stdin:
        if line.strip() != "step":
            break
        print(json.dumps({**step(), "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)


if __name__ == "__main__":
    main()
