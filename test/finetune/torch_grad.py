"""PyTorch reference for the fine-tuning tests (test/finetune/*.test.ts).

Usage: /usr/bin/python3 test/finetune/torch_grad.py DIR

DIR/manifest.json says what to do; arrays are raw little-endian float32 files in DIR.

mode "layers": builds the post-LN BERT layers in torch (float64) from the given weights, runs them on
  hidden [B, T, H] with the additive mask [B, 1, 1, T] (and dropout masks when given), back-propagates
  grad_output and writes output.f32, grad_input.f32 and grad.<weight name>.f32.
mode "adamw": runs torch.optim.AdamW for len(grads) steps on the given parameter and writes
  param.<step>.f32 after each step.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def read(d, name, dims):
    return torch.from_numpy(np.fromfile(os.path.join(d, name), dtype="<f4").reshape(dims).astype(np.float64))


def write(d, name, t):
    t.detach().to(torch.float32).numpy().astype("<f4").tofile(os.path.join(d, name))


def layer(x, w, s, mask, drops):
    B, T, H = x.shape
    h = s["heads"]
    hd = H // h
    i = s["index"]

    def lin(n, t):
        return t @ w[f"layer.{i}.{n}.weight"] + w[f"layer.{i}.{n}.bias"]

    def heads(t):
        return t.view(B, T, h, hd).transpose(1, 2)

    q, k, v = heads(lin("q", x)), heads(lin("k", x)), heads(lin("v", x))
    scores = (q @ k.transpose(-1, -2)) * s["scale"] + mask
    p = torch.softmax(scores, dim=-1)
    if drops is not None:
        p = p * drops[0]
    ctx = (p @ v).transpose(1, 2).reshape(B, T, H)
    a = lin("o", ctx)
    if drops is not None:
        a = a * drops[1]
    h1 = F.layer_norm(x + a, (H,), w[f"layer.{i}.ln1.weight"], w[f"layer.{i}.ln1.bias"], s["eps1"])
    f = lin("fc2", F.gelu(lin("fc1", h1)))  # F.gelu is the exact (erf) GELU
    if drops is not None:
        f = f * drops[2]
    return F.layer_norm(h1 + f, (H,), w[f"layer.{i}.ln2.weight"], w[f"layer.{i}.ln2.bias"], s["eps2"])


def layers_mode(d, m):
    B, T, H = m["dims"]
    x = read(d, "hidden.f32", (B, T, H)).requires_grad_(True)
    mask = read(d, "mask.f32", (B, 1, 1, T))
    w = {n: read(d, spec["file"], spec["dims"]).requires_grad_(True) for n, spec in m["weights"].items()}
    y = x
    for s in m["layers"]:
        drops = None
        if s.get("dropout"):
            drops = [read(d, f, dims) for f, dims in s["dropout"]]
        y = layer(y, w, s, mask, drops)
    g = read(d, "grad_output.f32", (B, T, H))
    y.backward(g)
    write(d, "output.f32", y)
    write(d, "grad_input.f32", x.grad)
    for n, t in w.items():
        write(d, f"grad.{n}.f32", t.grad)


def adamw_mode(d, m):
    n = m["size"]
    p = torch.nn.Parameter(torch.from_numpy(np.fromfile(os.path.join(d, "param.f32"), dtype="<f4").copy()))
    o = m["options"]
    opt = torch.optim.AdamW([p], lr=o["lr"], betas=tuple(o["betas"]), eps=o["eps"], weight_decay=o["weightDecay"])
    for step, gfile in enumerate(m["grads"]):
        p.grad = torch.from_numpy(np.fromfile(os.path.join(d, gfile), dtype="<f4").copy()).reshape(n)
        opt.step()
        write(d, f"param.{step + 1}.f32", p)


def main():
    d = sys.argv[1]
    with open(os.path.join(d, "manifest.json")) as f:
        m = json.load(f)
    torch.set_num_threads(1)
    {"layers": layers_mode, "adamw": adamw_mode}[m["mode"]](d, m)


if __name__ == "__main__":
    main()
