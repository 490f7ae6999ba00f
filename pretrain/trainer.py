#!/usr/bin/env python3
"""Pretrain a small BERT encoder on a pre-tokenized `corpus.bin` (see FORMAT.md).

Only the Python standard library and torch (1.13 .. 2.x) are used: no numpy, no
transformers, no safetensors package.

Subcommands:
  train    --data corpus.bin --out DIR [--config JSON] [--preset tiny|cpu|gpu]
           [--budget-seconds S] [--threads N] [--device auto|cpu|cuda] [--resume]
           [--seed 42] [--layers N --hidden N --heads N --intermediate N
           --batch-size N --lr X --contrastive-batch N --contrastive-lr X
           --checkpoint-seconds S --shard-mb M]
  forward  --model DIR --input in.json --out out.json
           (input {"input_ids": [[..]], "attention_mask": [[..]], "token_type_ids": [[..]]},
           output {"last_hidden_state": [[[..]]]}, eval mode, fp32)

Hidden helpers (tests): `selftest-data --out PATH [--vocab V --max-length L --count N --seed S]`
writes a small learnable synthetic corpus; `selftest [--dir D] [--budget-seconds S]` runs
data generation, a tiny training run and the parity / determinism checks.

Phase 1 is masked (and translation) language modelling, phase 2 is contrastive
(translation pairs InfoNCE alternated with SimCSE). The encoder is saved in Hugging Face
`BertModel` naming as (possibly sharded) safetensors plus `config.json`.
"""

import argparse
import contextlib
import json
import math
import os
import random
import struct
import sys
import time
from array import array

import torch
import torch.nn as nn
import torch.nn.functional as F

# --------------------------------------------------------------------------------------
# Configuration

PRESETS = {
    "tiny": {
        "layers": 2, "hidden": 64, "heads": 2, "intermediate": 128,
        "batch_size": 32, "lr": 1e-3, "budget_seconds": 60.0,
        "contrastive_batch": 16, "contrastive_lr": 5e-5,
    },
    "cpu": {
        "layers": 4, "hidden": 256, "heads": 4, "intermediate": 1024,
        "batch_size": 64, "lr": 7e-4, "budget_seconds": 3600.0,
    },
    # One H200 inside the device tool's limits (10 minutes a call, 64 MiB back): wider than
    # reference-mini (hidden 384 vs 256), fp16 weights for the return trip (46 MB at vocab 32k).
    "gpu": {
        "layers": 6, "hidden": 384, "heads": 6, "intermediate": 1536,
        "batch_size": 512, "lr": 5e-4, "budget_seconds": 420.0, "save_dtype": "fp16",
    },
}

DEFAULTS = {
    "layers": 4, "hidden": 256, "heads": 4, "intermediate": 1024,
    "batch_size": 64, "lr": 7e-4, "budget_seconds": 3600.0,
    "hidden_dropout": 0.1, "attention_dropout": 0.1,
    "mask_prob": 0.15, "weight_decay": 0.01, "adam_betas": [0.9, 0.98], "adam_eps": 1e-6,
    "max_warmup_steps": 400, "warmup_fraction": 0.06, "grad_clip": 1.0,
    "pool_batches": 50, "mlm_fraction": 0.88, "val_max": 1024,
    "warmup_measure_steps": 60, "timed_measure_steps": 40,
    "contrastive_batch": 256, "contrastive_lr": 5e-5, "contrastive_warmup_steps": 30,
    "temperature": 0.05, "retrieval_pairs": 2000,
    "checkpoint_seconds": 120.0, "report_seconds": 30.0, "report_fraction": 0.05,
    "shard_mb": 15.0, "save_dtype": "fp32",
}

LN_EPS = 1e-12
MASK_MIN = torch.finfo(torch.float32).min


def now_str(elapsed):
    return "[%6.1fs]" % elapsed


def log(elapsed, msg):
    print("%s %s" % (now_str(elapsed), msg), flush=True)


# --------------------------------------------------------------------------------------
# Model (Hugging Face BertModel names and semantics)


class BertEmbeddings(nn.Module):
    def __init__(self, vocab, hidden, max_pos, dropout, pad_id=0):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden, padding_idx=pad_id)
        self.position_embeddings = nn.Embedding(max_pos, hidden)
        self.token_type_embeddings = nn.Embedding(2, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=LN_EPS)
        self.dropout = nn.Dropout(dropout)

    def forward(self, input_ids, token_type_ids):
        length = input_ids.shape[1]
        pos = torch.arange(length, device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(pos).unsqueeze(0)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, hidden, heads, dropout):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(dropout)

    def _split(self, x):
        b, l, _ = x.shape
        return x.view(b, l, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, h, ext_mask):
        q = self._split(self.query(h))
        k = self._split(self.key(h))
        v = self._split(self.value(h))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores.float() + ext_mask
        probs = torch.softmax(scores, dim=-1)
        probs = self.dropout(probs)
        ctx = torch.matmul(probs.to(v.dtype), v)
        b, _, l, _ = ctx.shape
        return ctx.permute(0, 2, 1, 3).reshape(b, l, self.heads * self.head_dim)


class BertSelfOutput(nn.Module):
    def __init__(self, hidden, dropout):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=LN_EPS)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertAttention(nn.Module):
    def __init__(self, hidden, heads, hdrop, adrop):
        super().__init__()
        self.self = BertSelfAttention(hidden, heads, adrop)
        self.output = BertSelfOutput(hidden, hdrop)

    def forward(self, h, ext_mask):
        return self.output(self.self(h, ext_mask), h)


class BertIntermediate(nn.Module):
    def __init__(self, hidden, inter):
        super().__init__()
        self.dense = nn.Linear(hidden, inter)

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, hidden, inter, dropout):
        super().__init__()
        self.dense = nn.Linear(inter, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=LN_EPS)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertLayer(nn.Module):
    def __init__(self, hidden, heads, inter, hdrop, adrop):
        super().__init__()
        self.attention = BertAttention(hidden, heads, hdrop, adrop)
        self.intermediate = BertIntermediate(hidden, inter)
        self.output = BertOutput(hidden, inter, hdrop)

    def forward(self, h, ext_mask):
        a = self.attention(h, ext_mask)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, n, hidden, heads, inter, hdrop, adrop):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(hidden, heads, inter, hdrop, adrop) for _ in range(n)])

    def forward(self, h, ext_mask):
        for layer in self.layer:
            h = layer(h, ext_mask)
        return h


class BertModel(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, inter, max_pos, hdrop=0.1, adrop=0.1, pad_id=0):
        super().__init__()
        self.pad_id = pad_id
        self.embeddings = BertEmbeddings(vocab, hidden, max_pos, hdrop, pad_id)
        self.encoder = BertEncoder(layers, hidden, heads, inter, hdrop, adrop)

    def forward(self, input_ids, attention_mask, token_type_ids):
        ext = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * MASK_MIN
        h = self.embeddings(input_ids, token_type_ids)
        return self.encoder(h, ext)


class BertForPretraining(nn.Module):
    """BertModel + BertForMaskedLM-style head (transform + tied decoder with own bias)."""

    def __init__(self, bert, vocab, hidden):
        super().__init__()
        self.bert = bert
        self.head_dense = nn.Linear(hidden, hidden)
        self.head_LayerNorm = nn.LayerNorm(hidden, eps=LN_EPS)
        self.head_bias = nn.Parameter(torch.zeros(vocab))

    def mlm_logits(self, h):
        x = self.head_LayerNorm(F.gelu(self.head_dense(h)))
        return F.linear(x, self.bert.embeddings.word_embeddings.weight, self.head_bias)


def init_weights(module, std=0.02):
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, std)
            if m.padding_idx is not None:
                with torch.no_grad():
                    m.weight[m.padding_idx].zero_()
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def build_bert(cfg, vocab, max_len, pad_id=0):
    return BertModel(vocab, cfg["hidden"], cfg["layers"], cfg["heads"], cfg["intermediate"], max_len,
                     cfg.get("hidden_dropout", 0.1), cfg.get("attention_dropout", 0.1), pad_id)


def hf_config(cfg, vocab, max_len, pad_id=0):
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab,
        "hidden_size": cfg["hidden"],
        "num_hidden_layers": cfg["layers"],
        "num_attention_heads": cfg["heads"],
        "intermediate_size": cfg["intermediate"],
        "max_position_embeddings": max_len,
        "type_vocab_size": 2,
        "hidden_act": "gelu",
        "layer_norm_eps": LN_EPS,
        "pad_token_id": pad_id,
        "hidden_dropout_prob": cfg.get("hidden_dropout", 0.1),
        "attention_probs_dropout_prob": cfg.get("attention_dropout", 0.1),
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


# --------------------------------------------------------------------------------------
# Safetensors (hand-written, F32 only)


def _atomic_write(path, chunks):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        for c in chunks:
            f.write(c)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# "fp16" halves what the GPU run sends back (the device tool returns at most 64 MiB); the export
# widens F16 to float32 exactly, and `forward` reads the same rounded values, so parity holds.
SAVE_DTYPE = {"fp32": (torch.float32, 4, "F32"), "fp16": (torch.float16, 2, "F16")}
_save_dtype = ["fp32"]


def _tensor_bytes(t):
    dtype, width, _ = SAVE_DTYPE[_save_dtype[0]]
    t = t.detach().to("cpu", dtype).contiguous().view(-1)
    buf = bytearray(t.numel() * width)
    if t.numel():
        torch.frombuffer(buf, dtype=dtype).copy_(t)
    return buf


def _safetensors_chunks(tensors):
    header = {}
    datas = []
    off = 0
    for name, t in tensors:
        b = _tensor_bytes(t)
        header[name] = {"dtype": SAVE_DTYPE[_save_dtype[0]][2], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        off += len(b)
        datas.append(b)
    header["__metadata__"] = {"format": "pt"}
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((-len(hb)) % 8)
    return [struct.pack("<Q", len(hb)), hb] + datas


def save_safetensors_model(state, out_dir, shard_mb, save_dtype="fp32"):
    _save_dtype[0] = save_dtype
    width = SAVE_DTYPE[save_dtype][1]
    items = [(k, v) for k, v in state.items()]
    total = sum(v.numel() * width for _, v in items)
    limit = int(shard_mb * 1024 * 1024)
    written = []
    if total <= limit:
        _atomic_write(os.path.join(out_dir, "model.safetensors"), _safetensors_chunks(items))
        written.append("model.safetensors")
        stale = [f for f in os.listdir(out_dir) if f.startswith("model-") and f.endswith(".safetensors")]
        stale.append("model.safetensors.index.json")
    else:
        groups, cur, cur_size = [], [], 0
        for k, v in items:
            sz = v.numel() * width
            if cur and cur_size + sz > limit:
                groups.append(cur)
                cur, cur_size = [], 0
            cur.append((k, v))
            cur_size += sz
        if cur:
            groups.append(cur)
        n = len(groups)
        weight_map = {}
        for i, g in enumerate(groups):
            fname = "model-%05d-of-%05d.safetensors" % (i + 1, n)
            _atomic_write(os.path.join(out_dir, fname), _safetensors_chunks(g))
            written.append(fname)
            for k, _ in g:
                weight_map[k] = fname
        index = {"metadata": {"total_size": total}, "weight_map": weight_map}
        _atomic_write(os.path.join(out_dir, "model.safetensors.index.json"),
                      [json.dumps(index, indent=2).encode("utf-8")])
        written.append("model.safetensors.index.json")
        stale = [f for f in os.listdir(out_dir)
                 if f.startswith("model") and f.endswith(".safetensors") and f not in written]
    for f in stale:
        p = os.path.join(out_dir, f)
        if f not in written and os.path.exists(p):
            os.remove(p)
    return written, total


_ST_DTYPES = {"F32": (torch.float32, 4), "F16": (torch.float16, 2), "BF16": (torch.bfloat16, 2),
              "I64": (torch.int64, 8), "I32": (torch.int32, 4)}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    (n,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(bytes(data[8:8 + n]).decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype, size = _ST_DTYPES[info["dtype"]]
        b, e = info["data_offsets"]
        shape = info["shape"]
        count = (e - b) // size
        if count == 0:
            t = torch.zeros(shape, dtype=dtype)
        else:
            t = torch.frombuffer(data, dtype=dtype, count=count, offset=base + b).clone().view(shape)
        out[name] = t
    return out


def load_model_dir(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        hc = json.load(f)
    idx_path = os.path.join(model_dir, "model.safetensors.index.json")
    state = {}
    if os.path.exists(idx_path):
        with open(idx_path) as f:
            index = json.load(f)
        for fname in sorted(set(index["weight_map"].values())):
            state.update(read_safetensors(os.path.join(model_dir, fname)))
    else:
        state = read_safetensors(os.path.join(model_dir, "model.safetensors"))
    cfg = {"hidden": hc["hidden_size"], "layers": hc["num_hidden_layers"], "heads": hc["num_attention_heads"],
           "intermediate": hc["intermediate_size"], "hidden_dropout": hc.get("hidden_dropout_prob", 0.1),
           "attention_dropout": hc.get("attention_probs_dropout_prob", 0.1)}
    model = build_bert(cfg, hc["vocab_size"], hc["max_position_embeddings"], hc.get("pad_token_id", 0))
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
    model.eval()
    return model


# --------------------------------------------------------------------------------------
# Corpus

SECTION_NAMES = ["mlm", "val", "pairs_src", "pairs_mt", "sentences"]


class Section:
    def __init__(self, name, offsets, type_start, ids):
        self.name = name
        self.count = int(type_start.numel())
        self.offsets = offsets  # int64 [count+1] cpu
        self.type_start = type_start  # int64 [count] cpu
        self.ids = ids  # int32 [tokens] cpu
        self.lengths = offsets[1:] - offsets[:-1]
        self.tokens = int(ids.numel())
        self.dev = None

    def to(self, device):
        self.dev = device
        self.d_offsets = self.offsets.to(device)
        self.d_type_start = self.type_start.to(device)
        self.d_lengths = self.lengths.to(device)
        self.d_ids = self.ids.to(device) if self.tokens else torch.zeros(1, dtype=torch.int32, device=device)
        return self

    def batch(self, idx_cpu, pad_to=None):
        """Padded (input_ids, attention_mask, token_type_ids), all int64 on the section device."""
        dev = self.dev
        length = int(self.lengths[idx_cpu].max()) if idx_cpu.numel() else 1
        if pad_to is not None:
            length = max(length, pad_to)
        length = max(length, 1)
        idx = idx_cpu.to(dev)
        ar = torch.arange(length, device=dev)
        starts = self.d_offsets[idx]
        lens = self.d_lengths[idx]
        valid = ar.unsqueeze(0) < lens.unsqueeze(1)
        pos = (starts.unsqueeze(1) + ar.unsqueeze(0)) * valid
        ids = self.d_ids[pos].long() * valid
        types = ((ar.unsqueeze(0) >= self.d_type_start[idx].unsqueeze(1)) & valid).long()
        return ids, valid.long(), types


class Corpus:
    def __init__(self, path):
        with open(path, "rb") as f:
            buf = bytearray(f.read())
        if bytes(buf[:8]) != b"MTLPRE01":
            raise ValueError("%s: bad magic %r (expected MTLPRE01)" % (path, bytes(buf[:8])))
        (hlen,) = struct.unpack_from("<I", buf, 8)
        self.header = json.loads(bytes(buf[12:12 + hlen]).decode("utf-8"))
        h = self.header
        self.vocab_size = int(h["vocabSize"])
        self.max_length = int(h["maxLength"])
        self.special = {k: int(v) for k, v in h.get("special", {}).items()}
        for k, v in (("pad", 0), ("unk", 1), ("cls", 2), ("sep", 3), ("mask", 4)):
            self.special.setdefault(k, v)
        self.sections = {}
        for name in SECTION_NAMES:
            s = h["sections"].get(name)
            if s is None:
                self.sections[name] = Section(name, torch.zeros(1, dtype=torch.int64),
                                              torch.zeros(0, dtype=torch.int64), torch.zeros(0, dtype=torch.int32))
                continue
            count, tokens = int(s["count"]), int(s["tokens"])
            offsets = self._arr(buf, torch.int32, count + 1, s["offsets"]["byteOffset"]).long()
            type_start = self._arr(buf, torch.int32, count, s["typeStart"]["byteOffset"]).long()
            dtype = s["ids"].get("dtype", "uint16")
            if dtype == "uint16":
                ids = self._arr(buf, torch.int16, tokens, s["ids"]["byteOffset"]).to(torch.int32) & 0xFFFF
            elif dtype == "int32":
                ids = self._arr(buf, torch.int32, tokens, s["ids"]["byteOffset"]).clone()
            else:
                raise ValueError("unsupported ids dtype %r" % dtype)
            sec = Section(name, offsets, type_start, ids)
            if count and (int(offsets[0]) != 0 or int(offsets[-1]) != tokens):
                raise ValueError("section %s: offsets do not span the ids" % name)
            if count and int(sec.lengths.max()) > self.max_length:
                raise ValueError("section %s: sequence longer than maxLength" % name)
            if tokens and (int(ids.min()) < 0 or int(ids.max()) >= self.vocab_size):
                raise ValueError("section %s: token id out of range" % name)
            self.sections[name] = sec
        del buf

    @staticmethod
    def _arr(buf, dtype, count, offset):
        if count == 0:
            return torch.zeros(0, dtype=dtype)
        return torch.frombuffer(buf, dtype=dtype, count=count, offset=int(offset))

    def to(self, device):
        for s in self.sections.values():
            s.to(device)
        return self


class PoolSampler:
    """Epoch-wise random order; pools of `pool_batches` batches sorted by length, cut, shuffled."""

    def __init__(self, lengths, batch_size, pool_batches, seed, sort=True):
        self.lengths = lengths
        self.n = int(lengths.numel())
        self.bs = max(1, min(batch_size, self.n))
        self.pool_batches = pool_batches
        self.sort = sort
        self.gen = torch.Generator()
        self.gen.manual_seed(seed)
        self.perm = None
        self.pos = 0
        self.pending = []

    def _take(self, k):
        out = []
        while k > 0:
            if self.perm is None or self.pos >= self.n:
                self.perm = torch.randperm(self.n, generator=self.gen)
                self.pos = 0
            c = self.perm[self.pos:self.pos + k]
            self.pos += c.numel()
            k -= c.numel()
            out.append(c)
        return torch.cat(out)

    def next(self):
        if not self.pending:
            if not self.sort:
                return self._take(self.bs)
            pool = self._take(self.bs * self.pool_batches)
            order = torch.sort(self.lengths[pool], stable=True)[1]
            pool = pool[order]
            batches = list(torch.split(pool, self.bs))
            if len(batches) > 1 and batches[-1].numel() < self.bs:
                batches.pop()  # drop the ragged tail of the pool (those sequences come back next epoch)
            shuffle = torch.randperm(len(batches), generator=self.gen).tolist()
            self.pending = [batches[i] for i in shuffle]
        return self.pending.pop()

    def state_dict(self):
        return {"gen": self.gen.get_state(), "perm": self.perm, "pos": self.pos, "pending": list(self.pending)}

    def load_state_dict(self, st):
        self.gen.set_state(st["gen"])
        self.perm = st["perm"]
        self.pos = st["pos"]
        self.pending = list(st["pending"])


# --------------------------------------------------------------------------------------
# Masking


class Masker:
    def __init__(self, corpus, device, prob):
        self.prob = prob
        sp = corpus.special
        self.mask_id = sp["mask"]
        self.special_ids = sorted(set(sp.values()))
        keep = torch.ones(corpus.vocab_size, dtype=torch.bool)
        for s in self.special_ids:
            if 0 <= s < corpus.vocab_size:
                keep[s] = False
        self.nonspecial = torch.nonzero(keep).view(-1).to(device)

    def __call__(self, ids, attn, gen=None):
        dev = ids.device
        cand = attn.bool()
        for s in self.special_ids:
            cand = cand & (ids != s)
        shape = ids.shape
        sel = (torch.rand(shape, generator=gen, device=dev) < self.prob) & cand
        # at least one masked token per sequence (when it has any candidate)
        need = cand.any(1) & ~sel.any(1)
        r = torch.rand(shape, generator=gen, device=dev).masked_fill(~cand, -1.0)
        j = r.argmax(1)
        sel = sel | torch.zeros_like(sel).scatter_(1, j.unsqueeze(1), need.unsqueeze(1))
        how = torch.rand(shape, generator=gen, device=dev)
        rnd = self.nonspecial[torch.randint(0, self.nonspecial.numel(), shape, generator=gen, device=dev)]
        inputs = torch.where(sel & (how < 0.8), torch.full_like(ids, self.mask_id), ids)
        inputs = torch.where(sel & (how >= 0.8) & (how < 0.9), rnd, inputs)
        return inputs, sel


# --------------------------------------------------------------------------------------
# Training helpers


def make_optimizer(named_params, lr, wd, betas, eps, device):
    decay, no_decay = [], []
    for n, p in named_params:
        if not p.requires_grad:
            continue
        if n.endswith("bias") or "LayerNorm" in n:
            no_decay.append(p)
        else:
            decay.append(p)
    groups = [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]
    if device.type == "cuda":
        try:
            return torch.optim.AdamW(groups, lr=lr, betas=tuple(betas), eps=eps, fused=True)
        except (TypeError, RuntimeError, ValueError):
            pass
    return torch.optim.AdamW(groups, lr=lr, betas=tuple(betas), eps=eps)


def set_lr(opt, lr):
    for g in opt.param_groups:
        g["lr"] = lr


def mlm_lr(sched, step):
    """lr for the `step`-th update (1-based)."""
    base, warm, total = sched["base"], sched["warmup"], sched["total"]
    if total is None:  # not planned yet: provisional ramp with the longest possible warm-up
        return base * min(1.0, step / float(sched["max_warmup"]))
    if step <= warm:
        return base * step / float(max(1, warm))
    return base * max(0.0, (total - step) / float(max(1, total - warm)))


def autocast_ctx(device):
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def mean_pool(h, attn):
    m = attn.unsqueeze(-1).to(h.dtype)
    return (h * m).sum(1) / m.sum(1).clamp(min=1.0)


class Clock:
    def __init__(self, offset=0.0):
        self.start = time.time()
        self.offset = offset

    def __call__(self):
        return self.offset + time.time() - self.start


def atomic_torch_save(obj, path):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def torch_load(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:
        return torch.load(path, map_location="cpu")


def rng_state():
    st = {"torch": torch.get_rng_state(), "python": random.getstate()}
    if torch.cuda.is_available():
        st["cuda"] = torch.cuda.get_rng_state_all()
    return st


def set_rng_state(st):
    torch.set_rng_state(st["torch"])
    random.setstate(st["python"])
    if "cuda" in st and torch.cuda.is_available():
        try:
            torch.cuda.set_rng_state_all(st["cuda"])
        except Exception:  # different device count: not fatal
            pass


# --------------------------------------------------------------------------------------
# Trainer


class Trainer:
    def __init__(self, args, cfg, corpus, device, threads, clock, out_dir):
        self.args = args
        self.cfg = cfg
        self.corpus = corpus
        self.device = device
        self.threads = threads
        self.clock = clock
        self.out = out_dir
        self.ckpt_path = os.path.join(out_dir, "checkpoint.pt")
        self.log_path = os.path.join(out_dir, "training-log.jsonl")
        V, L = corpus.vocab_size, corpus.max_length
        self.pad_id = corpus.special["pad"]
        torch.manual_seed(cfg["seed"])
        random.seed(cfg["seed"])
        bert = build_bert(cfg, V, L, self.pad_id)
        self.model = BertForPretraining(bert, V, cfg["hidden"])
        init_weights(self.model)
        self.model.to(device)
        self.model.train()
        self.masker = Masker(corpus, device, cfg["mask_prob"])
        mlm = corpus.sections["mlm"]
        if mlm.count == 0:
            raise ValueError("corpus has no mlm sequences")
        self.mlm_sampler = PoolSampler(mlm.lengths, cfg["batch_size"], cfg["pool_batches"], cfg["seed"] + 11)
        self.opt = make_optimizer(self.model.named_parameters(), cfg["lr"], cfg["weight_decay"],
                                  cfg["adam_betas"], cfg["adam_eps"], device)
        self.sched = {"base": cfg["lr"], "warmup": None, "total": None, "max_warmup": cfg["max_warmup_steps"]}
        self.phase = "mlm"
        self.step = 0
        self.cl_step = 0
        self.cl_total = None
        self.cl_opt = None
        self.cl_samplers = None
        self.stats = {"mlm_seconds": 0.0, "contrastive_seconds": 0.0, "mlm_steps_per_second": None,
                      "tokens_seen": 0, "mlm_train_loss": None, "mlm_train_acc": None,
                      "mlm_val_loss": None, "mlm_val_acc": None, "contrastive_loss": None,
                      "retrieval_at_1": None, "retrieval_pairs": 0, "mlm_eval_seconds": None}
        self.last_ckpt = clock()
        self._prepare_val()

    # ---- validation with a fixed mask
    def _prepare_val(self):
        val = self.corpus.sections["val"]
        self.val_batches = []
        if val.count == 0:
            return
        g = torch.Generator()
        g.manual_seed(self.cfg["seed"] + 7)
        n = min(val.count, int(self.cfg["val_max"]))
        idx = torch.randperm(val.count, generator=g)[:n] if n < val.count else torch.arange(val.count)
        idx = idx[torch.sort(val.lengths[idx], stable=True)[1]]
        bs = max(1, min(self.cfg["batch_size"], 256))
        cpu_masker = Masker(self.corpus, torch.device("cpu"), self.cfg["mask_prob"])
        for chunk in torch.split(idx, bs):
            ids, attn, types = val.batch(chunk)
            ids_c, attn_c = ids.cpu(), attn.cpu()
            inputs, sel = cpu_masker(ids_c, attn_c, gen=g)
            b, l = sel.nonzero(as_tuple=True)
            if b.numel() == 0:
                continue
            self.val_batches.append(tuple(x.to(self.device) for x in
                                          (inputs, attn_c, types.cpu(), b, l, ids_c[b, l])))

    def evaluate_val(self):
        if not self.val_batches:
            return None, None
        m = self.model
        m.eval()
        tot_loss = torch.zeros((), device=self.device)
        tot_ok = torch.zeros((), device=self.device)
        tot_n = 0
        with torch.no_grad(), autocast_ctx(self.device):
            for inputs, attn, types, b, l, labels in self.val_batches:
                h = m.bert(inputs, attn, types)
                logits = m.mlm_logits(h[b, l]).float()
                tot_loss += F.cross_entropy(logits, labels, reduction="sum")
                tot_ok += (logits.argmax(-1) == labels).sum()
                tot_n += labels.numel()
        m.train()
        return float(tot_loss) / tot_n, float(tot_ok) / tot_n

    # ---- checkpoints
    def save_checkpoint(self):
        st = {
            "version": 1, "cfg": self.cfg, "phase": self.phase, "step": self.step, "sched": self.sched,
            "model": self.model.state_dict(),
            "opt": self.opt.state_dict() if self.phase == "mlm" else None,  # not needed after phase 1
            "mlm_sampler": self.mlm_sampler.state_dict(), "rng": rng_state(),
            "elapsed": self.clock(), "stats": self.stats,
            "cl_step": self.cl_step, "cl_total": self.cl_total,
            "cl_opt": self.cl_opt.state_dict() if self.cl_opt is not None else None,
            "cl_samplers": {k: s.state_dict() for k, s in self.cl_samplers.items()} if self.cl_samplers else None,
            "cl_timing": getattr(self, "cl_timing", None),
        }
        atomic_torch_save(st, self.ckpt_path)
        self.last_ckpt = self.clock()

    def load_checkpoint(self, st):
        self.model.load_state_dict(st["model"])
        if st.get("opt") is not None:
            self.opt.load_state_dict(st["opt"])
        self.sched = st["sched"]
        self.phase = st["phase"]
        self.step = st["step"]
        self.mlm_sampler.load_state_dict(st["mlm_sampler"])
        self.stats = st["stats"]
        self.cl_step = st.get("cl_step", 0)
        self.cl_total = st.get("cl_total")
        self.cl_timing = st.get("cl_timing")
        if self.phase in ("cl", "done"):
            self._setup_contrastive()
            if st.get("cl_opt") is not None:
                self.cl_opt.load_state_dict(st["cl_opt"])
            if st.get("cl_samplers"):
                for k, s in st["cl_samplers"].items():
                    if k in self.cl_samplers:
                        self.cl_samplers[k].load_state_dict(s)
        set_rng_state(st["rng"])
        self.last_ckpt = self.clock()

    def maybe_checkpoint(self):
        if self.clock() - self.last_ckpt >= self.cfg["checkpoint_seconds"]:
            self.save_checkpoint()

    def write_log(self, obj):
        with open(self.log_path, "a") as f:
            f.write(json.dumps(obj) + "\n")

    # ---- phase 1
    def mlm_train_step(self, acc):
        mlm = self.corpus.sections["mlm"]
        idx = self.mlm_sampler.next()
        ids, attn, types = mlm.batch(idx)
        inputs, sel = self.masker(ids, attn)
        b, l = sel.nonzero(as_tuple=True)
        labels = ids[b, l]
        self.step += 1
        set_lr(self.opt, mlm_lr(self.sched, self.step))
        with autocast_ctx(self.device):
            h = self.model.bert(inputs, attn, types)
            logits = self.model.mlm_logits(h[b, l]).float()
            loss = F.cross_entropy(logits, labels)
        loss.backward()
        self._finish_update(self.opt, self.model.parameters())
        with torch.no_grad():
            acc[0] += loss.detach() * labels.numel()
            acc[1] += (logits.detach().argmax(-1) == labels).sum()
            acc[2] += labels.numel()
            acc[3] += attn.sum()

    def _finish_update(self, opt, params):
        w = self.model.bert.embeddings.word_embeddings.weight
        if w.grad is not None:
            w.grad[self.pad_id].zero_()  # the padding row stays zero and untrained
        torch.nn.utils.clip_grad_norm_(params, self.cfg["grad_clip"])
        opt.step()
        opt.zero_grad(set_to_none=True)

    def _new_acc(self):
        return [torch.zeros((), device=self.device), torch.zeros((), device=self.device, dtype=torch.long), 0,
                torch.zeros((), device=self.device, dtype=torch.long)]

    def _flush_acc(self, acc):
        n = acc[2]
        loss = float(acc[0]) / n if n else float("nan")
        a = float(acc[1]) / n if n else float("nan")
        self.stats["tokens_seen"] += int(acc[3])
        return loss, a

    def run_mlm(self):
        cfg = self.cfg
        clock = self.clock
        budget = float(cfg["budget_seconds"])
        has_cl = self._has_contrastive()
        frac = cfg["mlm_fraction"] if has_cl else 0.97
        deadline = budget * frac
        mlm_count = self.corpus.sections["mlm"].count
        phase_start = clock() - self.stats["mlm_seconds"]
        acc = self._new_acc()
        if self.sched["total"] is None:
            # warm-up (untimed), then timed steps, then plan the total from the measured rate
            remaining = max(1e-3, deadline - clock())
            w_steps = int(cfg["warmup_measure_steps"])
            t_steps = int(cfg["timed_measure_steps"])
            t_begin = clock()
            while self.step < w_steps and clock() - t_begin < 0.05 * remaining:
                self.mlm_train_step(acc)
            sync(self.device)
            t1 = clock()
            n0 = self.step
            while (self.step - n0 < t_steps and (clock() - t1 < 0.05 * remaining or self.step - n0 < 3)):
                self.mlm_train_step(acc)
            sync(self.device)
            t2 = clock()
            rate = (self.step - n0) / max(1e-9, t2 - t1)
            self.stats["mlm_steps_per_second"] = rate
            te = clock()
            vl, va = self.evaluate_val()
            eval_s = clock() - te
            self.stats["mlm_eval_seconds"] = eval_s
            left = deadline - clock()
            raw_steps = max(0.0, left) * rate
            n_reports = min(1.0 / cfg["report_fraction"], raw_steps) + 1
            if eval_s <= 0.03 * cfg["report_seconds"]:  # time-triggered reports evaluate too (see below)
                n_reports += left / cfg["report_seconds"]
            ckpt_est = 0.5 + sum(p.numel() for p in self.model.parameters()) * 12 / 200e6
            n_ckpt = int(left / cfg["checkpoint_seconds"]) + 1
            usable = left - n_reports * eval_s - n_ckpt * ckpt_est
            usable = max(0.0, usable * 0.97)
            total = self.step + int(usable * rate)
            total = max(total, self.step + 1)
            warm = int(min(cfg["max_warmup_steps"], cfg["warmup_fraction"] * total))
            self.sched["total"] = total
            self.sched["warmup"] = max(1, warm)
            epochs = total * self.mlm_sampler.bs / float(mlm_count)
            log(clock(), "MLM: %.2f steps/s -> %d steps, %.2f epochs (warm-up %d steps, eval %.2fs)"
                % (rate, total, epochs, self.sched["warmup"], eval_s))
            self._report(acc, vl, va, phase_start)
            acc = self._new_acc()
        total = self.sched["total"]
        every = max(1, int(round(total * cfg["report_fraction"])))
        last_report = clock()
        plan_step, plan_time = self.step, clock()
        stopped_early = False
        while self.step < total:
            if clock() >= deadline:
                stopped_early = True
                log(clock(), "MLM: wall-clock budget reached at step %d/%d, stopping" % (self.step, total))
                break
            self.mlm_train_step(acc)
            mark = self.step % every == 0 or self.step == total
            if mark or clock() - last_report >= cfg["report_seconds"]:
                # time-triggered reports skip the validation pass when it is expensive
                vl, va = None, None
                if mark or (self.stats.get("mlm_eval_seconds") or 0.0) <= 0.03 * cfg["report_seconds"]:
                    te = clock()
                    vl, va = self.evaluate_val()
                    self.stats["mlm_eval_seconds"] = clock() - te
                self._report(acc, vl, va, phase_start)
                acc = self._new_acc()
                last_report = clock()
                # re-plan while less than 80 % done if the real rate (evaluations and checkpoints
                # included) would miss the deadline or leave more than 3 % of it unused
                t = clock()
                if self.step < 0.8 * total and self.step - plan_step >= every and t - plan_time > 2.0:
                    rate = (self.step - plan_step) / (t - plan_time)
                    new_total = self.step + int(max(0.0, deadline - t) * rate * 0.98)
                    if abs(new_total - total) > 0.03 * total and new_total > self.step:
                        log(t, "MLM: measured %.2f steps/s overall -> re-planned %d -> %d steps"
                            % (rate, total, new_total))
                        total = self.sched["total"] = new_total
            self.maybe_checkpoint()
        if acc[2]:
            vl, va = self.evaluate_val()
            self._report(acc, vl, va, phase_start)
        self.stats["mlm_seconds"] = clock() - phase_start
        self.stats["mlm_stopped_early"] = stopped_early
        self.phase = "cl"
        self.save_checkpoint()

    def _report(self, acc, vl, va, phase_start):
        tl, ta = self._flush_acc(acc)
        self.stats["mlm_train_loss"], self.stats["mlm_train_acc"] = tl, ta
        if vl is not None:
            self.stats["mlm_val_loss"], self.stats["mlm_val_acc"] = vl, va
        self.stats["mlm_seconds"] = self.clock() - phase_start
        total = self.sched["total"]
        msg = "step %d/%d train loss %.3f acc %.3f" % (self.step, total, tl, ta)
        if vl is not None:
            msg += " | val loss %.3f acc %.3f" % (vl, va)
        log(self.clock(), msg)
        self.write_log({"phase": "mlm", "step": self.step, "steps": total, "elapsed": round(self.clock(), 3),
                        "train_loss": tl, "train_acc": ta, "val_loss": vl, "val_acc": va})

    # ---- phase 2
    def _has_contrastive(self):
        s = self.corpus.sections
        pairs = s["pairs_src"].count > 1 and s["pairs_src"].count == s["pairs_mt"].count
        return pairs or s["sentences"].count > 1

    def _setup_contrastive(self):
        if self.cl_opt is not None:
            return
        cfg = self.cfg
        s = self.corpus.sections
        self.cl_samplers = {}
        cb = int(cfg["contrastive_batch"])
        if s["pairs_src"].count > 1 and s["pairs_src"].count == s["pairs_mt"].count:
            self.cl_samplers["pairs"] = PoolSampler(s["pairs_src"].lengths, cb, 1, cfg["seed"] + 21, sort=False)
        if s["sentences"].count > 1:
            self.cl_samplers["simcse"] = PoolSampler(s["sentences"].lengths, cb, 1, cfg["seed"] + 31, sort=False)
        self.cl_opt = make_optimizer(self.model.bert.named_parameters(), cfg["contrastive_lr"],
                                     cfg["weight_decay"], cfg["adam_betas"], cfg["adam_eps"], self.device)

    def cl_train_step(self, kind):
        s = self.corpus.sections
        temp = self.cfg["temperature"]
        idx = self.cl_samplers[kind].next()
        n = idx.numel()
        if kind == "pairs":
            a_ids, a_attn, a_types = s["pairs_src"].batch(idx)
            b_ids, b_attn, b_types = s["pairs_mt"].batch(idx)
            L = max(a_ids.shape[1], b_ids.shape[1])
            pad = lambda x: F.pad(x, (0, L - x.shape[1]))  # noqa: E731
            ids = torch.cat([pad(a_ids), pad(b_ids)])
            attn = torch.cat([pad(a_attn), pad(b_attn)])
            types = torch.cat([pad(a_types), pad(b_types)])
        else:
            ids, attn, types = s["sentences"].batch(idx)
            ids, attn, types = torch.cat([ids, ids]), torch.cat([attn, attn]), torch.cat([types, types])
        self.cl_step += 1
        warm = max(1, int(self.cfg["contrastive_warmup_steps"]))
        set_lr(self.cl_opt, self.cfg["contrastive_lr"] * min(1.0, self.cl_step / float(warm)))
        with autocast_ctx(self.device):
            h = self.model.bert(ids, attn, types)
        e = F.normalize(mean_pool(h.float(), attn), dim=-1)
        a, b = e[:n], e[n:]
        sim = a @ b.t() / temp
        labels = torch.arange(n, device=self.device)
        if kind == "pairs":
            loss = 0.5 * (F.cross_entropy(sim, labels) + F.cross_entropy(sim.t(), labels))
        else:
            loss = F.cross_entropy(sim, labels)
        loss.backward()
        self._finish_update(self.cl_opt, self.model.bert.parameters())
        return loss.detach()

    def encode(self, section, idx, bs=256):
        out = []
        self.model.eval()
        with torch.no_grad():
            for chunk in torch.split(idx, bs):
                ids, attn, types = section.batch(chunk)
                with autocast_ctx(self.device):
                    h = self.model.bert(ids, attn, types)
                out.append(F.normalize(mean_pool(h.float(), attn), dim=-1))
        self.model.train()
        return torch.cat(out)

    def retrieval(self):
        s = self.corpus.sections
        src, mt = s["pairs_src"], s["pairs_mt"]
        if src.count == 0 or src.count != mt.count:
            return None, 0
        n = min(int(self.cfg["retrieval_pairs"]), src.count)
        g = torch.Generator()
        g.manual_seed(self.cfg["seed"] + 5)
        idx = torch.randperm(src.count, generator=g)[:n]
        a = self.encode(src, idx)
        b = self.encode(mt, idx)
        hits = 0
        for i in range(0, n, 1024):
            sim = a[i:i + 1024] @ b.t()
            hits += int((sim.argmax(1) == torch.arange(i, i + sim.shape[0], device=sim.device)).sum())
        return hits / float(n), n

    def run_contrastive(self):
        cfg = self.cfg
        clock = self.clock
        budget = float(cfg["budget_seconds"])
        phase_start = clock() - self.stats["contrastive_seconds"]
        if not self._has_contrastive():
            log(clock(), "contrastive: no pairs / sentences in the corpus, skipped")
            return
        self._setup_contrastive()
        self.model.train()
        kinds = [k for k in ("pairs", "simcse") if k in self.cl_samplers]
        n_ret = min(int(cfg["retrieval_pairs"]), self.corpus.sections["pairs_src"].count)
        loss_acc, loss_n, last_kind = 0.0, 0, kinds[0]
        last_report = clock()
        if self.cl_total is None:
            t_begin = clock()
            window = 0.1 * max(0.0, budget - t_begin)
            while self.cl_step < 2 and (self.cl_step < 1 or clock() - t_begin < window):
                self.cl_train_step(kinds[self.cl_step % len(kinds)])
            sync(self.device)
            t1 = clock()
            n0 = self.cl_step
            while self.cl_step - n0 < 10 and (clock() - t1 < window or self.cl_step - n0 < 1):
                loss_acc += float(self.cl_train_step(kinds[self.cl_step % len(kinds)]))
                loss_n += 1
            sync(self.device)
            dt = (clock() - t1) / max(1, self.cl_step - n0)
            cb = int(cfg["contrastive_batch"])
            reserve = 1.0 + (n_ret / float(cb)) * dt * 0.5 + 2 * max(0.5, self.stats.get("mlm_eval_seconds") or 0.5)
            self.cl_timing = {"step_seconds": dt, "reserve_seconds": reserve}
            self.cl_total = max(self.cl_step, self.cl_step + int(max(0.0, budget - reserve - clock()) / dt))
            log(clock(), "contrastive: %.2f steps/s -> %d steps (%s), batch %d, temperature %g"
                % (1.0 / dt, self.cl_total, "+".join(kinds), cb, cfg["temperature"]))
        reserve = self.cl_timing["reserve_seconds"]
        every = max(1, int(round(self.cl_total * cfg["report_fraction"])))
        while self.cl_step < self.cl_total:
            if clock() >= budget - reserve:
                log(clock(), "contrastive: wall-clock budget reached at step %d/%d" % (self.cl_step, self.cl_total))
                break
            kind = kinds[self.cl_step % len(kinds)]
            loss = self.cl_train_step(kind)
            if (self.cl_step % every == 0 or self.cl_step == self.cl_total
                    or clock() - last_report >= cfg["report_seconds"]):
                lv = float(loss)
                log(clock(), "cl step %d/%d loss %.4f (%s)" % (self.cl_step, self.cl_total, lv, kind))
                self.stats["contrastive_loss"] = lv
                self.write_log({"phase": "contrastive", "step": self.cl_step, "steps": self.cl_total,
                                "elapsed": round(clock(), 3), "loss": lv, "kind": kind})
                last_report = clock()
            last_kind = kind
            self.maybe_checkpoint()
        r1, n = self.retrieval()
        self.stats["retrieval_at_1"], self.stats["retrieval_pairs"] = r1, n
        if r1 is not None:
            log(clock(), "pair retrieval@1 (source -> translation, %d pairs): %.4f" % (n, r1))
            self.write_log({"phase": "contrastive", "step": self.cl_step, "steps": self.cl_total,
                            "elapsed": round(clock(), 3), "retrieval_at_1": r1, "retrieval_pairs": n})
        self.stats["contrastive_seconds"] = clock() - phase_start
        _ = last_kind

    # ---- outputs
    def export(self):
        V, L = self.corpus.vocab_size, self.corpus.max_length
        state = {k: v.detach().float().contiguous() for k, v in self.model.bert.state_dict().items()}
        files, total = save_safetensors_model(state, self.out, float(self.cfg["shard_mb"]), self.cfg.get("save_dtype", "fp32"))
        _atomic_write(os.path.join(self.out, "config.json"),
                      [json.dumps(hf_config(self.cfg, V, L, self.pad_id), indent=2).encode("utf-8")])
        n_params = sum(p.numel() for p in self.model.bert.parameters())
        mlm_count = self.corpus.sections["mlm"].count
        st = self.stats
        summary = {
            "config": self.cfg,
            "torch_version": torch.__version__,
            "python_version": sys.version.split()[0],
            "device": str(self.device) + (" (%s)" % torch.cuda.get_device_name(self.device)
                                          if self.device.type == "cuda" else ""),
            "threads": self.threads,
            "corpus": {"vocab_size": V, "max_length": L,
                       "counts": {k: s.count for k, s in self.corpus.sections.items()},
                       "sources": self.corpus.header.get("sources")},
            "seconds": {"mlm": st["mlm_seconds"], "contrastive": st["contrastive_seconds"],
                        "total": self.clock()},
            "mlm_steps": self.step,
            "mlm_steps_planned": self.sched["total"],
            "mlm_warmup_steps": self.sched["warmup"],
            "mlm_steps_per_second_after_warmup": st["mlm_steps_per_second"],
            "mlm_stopped_early": st.get("mlm_stopped_early", False),
            "tokens_seen": st["tokens_seen"],
            "epochs": self.step * self.mlm_sampler.bs / float(mlm_count),
            "final_train_masked_loss": st["mlm_train_loss"],
            "final_train_masked_accuracy": st["mlm_train_acc"],
            "final_val_masked_loss": st["mlm_val_loss"],
            "final_val_masked_accuracy": st["mlm_val_acc"],
            "contrastive_steps": self.cl_step,
            "contrastive_steps_planned": self.cl_total,
            "contrastive_final_loss": st["contrastive_loss"],
            "retrieval_at_1": st["retrieval_at_1"],
            "retrieval_pairs": st["retrieval_pairs"],
            "parameters_encoder": n_params,
            "weights_bytes": total,
            "weights_files": files,
            "seed": self.cfg["seed"],
        }
        _atomic_write(os.path.join(self.out, "training-summary.json"),
                      [json.dumps(summary, indent=2).encode("utf-8")])
        return summary


def resolve_config(args):
    cfg = dict(DEFAULTS)
    preset = args.preset
    if preset is None:
        preset = "gpu" if args._device.type == "cuda" else "cpu"
    cfg.update(PRESETS[preset])
    cfg["preset"] = preset
    if args.config:
        with open(args.config) as f:
            user = json.load(f)
        for k, v in user.items():
            cfg[k.replace("-", "_")] = v
    for k in ("layers", "hidden", "heads", "intermediate", "batch_size", "lr", "budget_seconds",
              "contrastive_batch", "contrastive_lr", "checkpoint_seconds", "shard_mb", "save_dtype"):
        v = getattr(args, k, None)
        if v is not None:
            cfg[k] = v
    cfg["seed"] = args.seed if args.seed is not None else cfg.get("seed", 42)
    if cfg["hidden"] % cfg["heads"]:
        raise ValueError("hidden (%d) must be a multiple of heads (%d)" % (cfg["hidden"], cfg["heads"]))
    return cfg


def pick_device(name):
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda requested but CUDA is not available")
    return torch.device(name)


def cmd_train(args):
    device = pick_device(args.device)
    args._device = device
    threads = args.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "checkpoint.pt")
    ckpt = None
    if args.resume:
        if not os.path.exists(ckpt_path):
            raise SystemExit("--resume: no checkpoint at %s" % ckpt_path)
        ckpt = torch_load(ckpt_path)
        cfg = ckpt["cfg"]
        clock = Clock(ckpt["elapsed"])
        # A resumed run may be given more time: the extra seconds go to the contrastive phase (the
        # masked-LM schedule is fixed once planned), which is re-planned from a fresh measurement.
        extended = args.budget_seconds is not None and args.budget_seconds > float(cfg["budget_seconds"])
        if extended:
            cfg["budget_seconds"] = float(args.budget_seconds)
            if args.contrastive_batch is not None:
                cfg["contrastive_batch"] = args.contrastive_batch
    else:
        cfg = resolve_config(args)
        clock = Clock()
        lp = os.path.join(args.out, "training-log.jsonl")
        if os.path.exists(lp):
            os.remove(lp)
    log(clock(), "torch %s, device %s, threads %d, preset %s%s" % (
        torch.__version__, device, threads, cfg.get("preset"), ", resuming" if ckpt else ""))
    corpus = Corpus(args.data).to(device)
    c = {k: s.count for k, s in corpus.sections.items()}
    log(clock(), "corpus: vocab %d, maxLength %d, %s" % (
        corpus.vocab_size, corpus.max_length, ", ".join("%s %d" % kv for kv in c.items())))
    tr = Trainer(args, cfg, corpus, device, threads, clock, args.out)
    n_params = sum(p.numel() for p in tr.model.bert.parameters())
    log(clock(), "model: %d layers, hidden %d, heads %d, intermediate %d, %.2fM encoder parameters, batch %d, lr %g, budget %.0fs"
        % (cfg["layers"], cfg["hidden"], cfg["heads"], cfg["intermediate"], n_params / 1e6,
           cfg["batch_size"], cfg["lr"], cfg["budget_seconds"]))
    if ckpt is not None:
        tr.load_checkpoint(ckpt)
        log(clock(), "resumed at phase %s, step %d/%s, contrastive step %d"
            % (tr.phase, tr.step, tr.sched["total"], tr.cl_step))
        del ckpt
        if extended and tr.phase in ("cl", "done"):
            tr.phase = "cl"
            tr.cl_total = None
            tr.cl_timing = None
            log(clock(), "budget raised to %.0fs: the contrastive phase continues from step %d, re-planned"
                % (cfg["budget_seconds"], tr.cl_step))
    if tr.phase == "mlm":
        tr.run_mlm()
    if tr.phase == "cl":
        tr.run_contrastive()
        tr.phase = "done"
        tr.save_checkpoint()
    summary = tr.export()
    log(clock(), "done: %d MLM steps (%.2f epochs), val acc %s, %d contrastive steps, retrieval@1 %s -> %s"
        % (summary["mlm_steps"], summary["epochs"], _fmt(summary["final_val_masked_accuracy"]),
           summary["contrastive_steps"], _fmt(summary["retrieval_at_1"]), args.out))
    return tr


def _fmt(x):
    return "n/a" if x is None else "%.4f" % x


# --------------------------------------------------------------------------------------
# forward (parity)


def run_forward(model, inp):
    ids = torch.tensor(inp["input_ids"], dtype=torch.long)
    attn = torch.tensor(inp["attention_mask"], dtype=torch.long) if inp.get("attention_mask") is not None \
        else torch.ones_like(ids)
    types = torch.tensor(inp["token_type_ids"], dtype=torch.long) if inp.get("token_type_ids") is not None \
        else torch.zeros_like(ids)
    with torch.no_grad():
        return model(ids, attn, types)


def cmd_forward(args):
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    model = load_model_dir(args.model)
    with open(args.input) as f:
        inp = json.load(f)
    h = run_forward(model, inp)
    _atomic_write(args.out, [json.dumps({"last_hidden_state": h.tolist()}).encode("utf-8")])


# --------------------------------------------------------------------------------------
# Synthetic corpus (tests)


def write_corpus(path, vocab, max_len, sections, special=None, sources=None, ids_dtype="uint16"):
    """sections: name -> list of (ids list, typeStart)."""
    special = special or {"pad": 0, "unk": 1, "cls": 2, "sep": 3, "mask": 4}
    blobs = []
    header = {"version": 1, "vocabSize": vocab, "maxLength": max_len, "special": special, "sections": {},
              "sources": sources or {"synthetic": sum(len(v) for v in sections.values())}}
    # first pass: sizes, to place arrays after the header (header length depends on the offsets,
    # so iterate until stable)
    arrays = []
    for name, seqs in sections.items():
        offs = array("i", [0])
        ts = array("i")
        ids = array("H" if ids_dtype == "uint16" else "i")
        for s, t in seqs:
            ids.extend(s)
            offs.append(len(ids))
            ts.append(t)
        arrays.append((name, offs.tobytes(), ts.tobytes(), ids.tobytes(), len(seqs), len(ids)))
    hlen_guess = 0
    for _ in range(10):
        pos = 12 + hlen_guess
        pos += (-pos) % 8
        blobs = []
        for name, ob, tb, ib, count, tokens in arrays:
            entry = {"count": count, "tokens": tokens}
            for key, b in (("offsets", ob), ("typeStart", tb), ("ids", ib)):
                entry[key] = {"byteOffset": pos}
                blobs.append((pos, b))
                pos += len(b)
                pos += (-pos) % 8
            entry["ids"]["dtype"] = ids_dtype
            header["sections"][name] = entry
        hb = json.dumps(header).encode("utf-8")
        if len(hb) == hlen_guess:
            break
        hlen_guess = len(hb)
    out = bytearray(b"MTLPRE01" + struct.pack("<I", len(hb)) + hb)
    for p, b in blobs:
        out += b"\0" * (p - len(out))
        out += b
    out += b"\0" * ((-len(out)) % 8)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    _atomic_write(path, [bytes(out)])


def synthetic_sections(vocab, max_len, count, seed):
    rng = random.Random(seed)
    CLS, SEP = 2, 3
    first = 5
    n_phr = 300
    phrases = [[rng.randrange(first, vocab) for _ in range(rng.randint(3, 7))] for _ in range(n_phr)]
    span = vocab - first

    def translate(tok):  # a fixed bijection on non-special ids
        return first + ((tok - first) * 7 + 13) % span if span % 7 else first + (span - 1 - (tok - first))

    def sentence(max_tokens):
        out = []
        for _ in range(rng.randint(1, 3)):
            p = phrases[rng.randrange(n_phr)]
            if len(out) + len(p) > max_tokens:
                break
            out.extend(p)
        if not out:
            out = phrases[rng.randrange(n_phr)][:max(1, max_tokens)]
        return out

    half = max(4, (max_len - 3) // 2)

    def mono():
        seq = [CLS]
        while True:
            s = sentence(max_len - len(seq) - 1)
            if len(seq) + len(s) + 1 > max_len:
                break
            seq += s + [SEP]
            if rng.random() < 0.3 or len(seq) > max_len - 4:
                break
        if len(seq) == 1:
            seq += [first, SEP]
        return (seq, len(seq))

    def pair():
        s = sentence(half)
        t = [translate(x) for x in reversed(s)]
        return s, t

    def mlm_seq():
        if rng.random() < 0.6:
            return mono()
        s, t = pair()
        a = [CLS] + s + [SEP]
        return (a + t + [SEP], len(a))

    n_val = max(50, count // 50)
    n_pairs = max(100, count // 3)
    secs = {
        "mlm": [mlm_seq() for _ in range(count)],
        "val": [mlm_seq() for _ in range(n_val)],
    }
    ps = [pair() for _ in range(n_pairs)]
    secs["pairs_src"] = [([CLS] + s + [SEP], len(s) + 2) for s, _ in ps]
    secs["pairs_mt"] = [([CLS] + t + [SEP], len(t) + 2) for _, t in ps]
    sents = []
    for _ in range(n_pairs):
        s = [CLS] + sentence(max_len - 2) + [SEP]
        sents.append((s, len(s)))
    secs["sentences"] = sents
    return secs


def cmd_selftest_data(args):
    secs = synthetic_sections(args.vocab, args.max_length, args.count, args.seed)
    write_corpus(args.out, args.vocab, args.max_length, secs, ids_dtype=getattr(args, "ids_dtype", "uint16"))
    print("wrote %s: vocab %d, maxLength %d, %s" % (args.out, args.vocab, args.max_length,
                                                   ", ".join("%s %d" % (k, len(v)) for k, v in secs.items())),
          flush=True)


def cmd_selftest(args):
    import subprocess
    import tempfile
    d = args.dir or tempfile.mkdtemp(prefix="pretrain-selftest-")
    data = os.path.join(d, "corpus.bin")
    out = os.path.join(d, "out")
    torch.set_num_threads(1)
    cmd_selftest_data(argparse.Namespace(out=data, vocab=1000, max_length=64, count=3000, seed=1))
    targs = build_parser().parse_args(["train", "--data", data, "--out", out, "--preset", "tiny",
                                       "--budget-seconds", str(args.budget_seconds), "--threads", "1",
                                       "--device", "cpu", "--shard-mb", "0.05"])
    tr = cmd_train(targs)
    problems = []
    for f in ("config.json", "training-summary.json", "training-log.jsonl", "checkpoint.pt",
              "model.safetensors.index.json"):
        if not os.path.exists(os.path.join(out, f)):
            problems.append("missing " + f)
    # parity: in-memory model vs. model reloaded from the safetensors, and the forward subcommand
    corpus = tr.corpus
    val = corpus.sections["val"]
    ids, attn, types = val.batch(torch.arange(min(4, val.count)))
    inp = {"input_ids": ids.tolist(), "attention_mask": attn.tolist(), "token_type_ids": types.tolist()}
    bert = tr.model.bert.cpu().float().eval()
    ref = run_forward(bert, inp)
    ref2 = run_forward(bert, inp)
    if not torch.equal(ref, ref2):
        problems.append("eval forward not deterministic")
    loaded = load_model_dir(out)
    got = run_forward(loaded, inp)
    if not torch.equal(ref, got):
        problems.append("reloaded model differs: max abs %g" % float((ref - got).abs().max()))
    inp_path, out_path = os.path.join(d, "in.json"), os.path.join(d, "outf.json")
    with open(inp_path, "w") as f:
        json.dump(inp, f)
    subprocess.check_call([sys.executable, os.path.abspath(__file__), "forward", "--model", out,
                           "--input", inp_path, "--out", out_path, "--threads", "1"])
    with open(out_path) as f:
        fw = torch.tensor(json.load(f)["last_hidden_state"], dtype=torch.float32)
    if not torch.equal(ref, fw):
        problems.append("forward subcommand differs: max abs %g" % float((ref - fw).abs().max()))
    pad_row = float(loaded.embeddings.word_embeddings.weight[0].abs().max())
    if pad_row != 0.0:
        problems.append("padding row not zero (%g)" % pad_row)
    with open(os.path.join(out, "training-summary.json")) as f:
        summ = json.load(f)
    chance = 1.0 / corpus.vocab_size
    if not (summ["final_val_masked_accuracy"] or 0) > 10 * chance:
        problems.append("val accuracy %s not above chance" % summ["final_val_masked_accuracy"])
    print("selftest %s: %s (dir %s, val acc %.3f, retrieval@1 %s)" % (
        "FAILED" if problems else "ok", "; ".join(problems) or "all checks passed", d,
        summ["final_val_masked_accuracy"] or 0, summ["retrieval_at_1"]), flush=True)
    return 1 if problems else 0


# --------------------------------------------------------------------------------------
# CLI


def build_parser():
    p = argparse.ArgumentParser(description="BERT pretraining on corpus.bin (MLM/TLM + contrastive)")
    sub = p.add_subparsers(dest="cmd")
    t = sub.add_parser("train", help="pretrain an encoder")
    t.add_argument("--data", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--config", help="JSON file with config overrides")
    t.add_argument("--preset", choices=sorted(PRESETS), default=None,
                   help="default: gpu on CUDA, cpu otherwise")
    t.add_argument("--budget-seconds", dest="budget_seconds", type=float)
    t.add_argument("--threads", type=int, default=None)
    t.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    t.add_argument("--resume", action="store_true")
    t.add_argument("--seed", type=int, default=None)
    t.add_argument("--layers", type=int)
    t.add_argument("--hidden", type=int)
    t.add_argument("--heads", type=int)
    t.add_argument("--intermediate", type=int)
    t.add_argument("--batch-size", dest="batch_size", type=int)
    t.add_argument("--lr", type=float)
    t.add_argument("--contrastive-batch", dest="contrastive_batch", type=int)
    t.add_argument("--contrastive-lr", dest="contrastive_lr", type=float)
    t.add_argument("--checkpoint-seconds", dest="checkpoint_seconds", type=float)
    t.add_argument("--shard-mb", dest="shard_mb", type=float)
    t.add_argument("--save-dtype", dest="save_dtype", choices=["fp32", "fp16"],
                   help="dtype of the saved encoder weights (fp16 for the GPU run's return trip)")
    f = sub.add_parser("forward", help="run a saved encoder on JSON input (parity tests)")
    f.add_argument("--model", required=True)
    f.add_argument("--input", required=True)
    f.add_argument("--out", required=True)
    f.add_argument("--threads", type=int, default=None)
    d = sub.add_parser("selftest-data")
    d.add_argument("--out", required=True)
    d.add_argument("--vocab", type=int, default=1000)
    d.add_argument("--max-length", dest="max_length", type=int, default=64)
    d.add_argument("--count", type=int, default=3000)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--ids-dtype", dest="ids_dtype", choices=["uint16", "int32"], default="uint16")
    s = sub.add_parser("selftest")
    s.add_argument("--dir", default=None)
    s.add_argument("--budget-seconds", dest="budget_seconds", type=float, default=30.0)
    return p


def main(argv=None):
    p = build_parser()
    args = p.parse_args(argv)
    if args.cmd == "train":
        cmd_train(args)
        return 0
    if args.cmd == "forward":
        cmd_forward(args)
        return 0
    if args.cmd == "selftest-data":
        cmd_selftest_data(args)
        return 0
    if args.cmd == "selftest":
        return cmd_selftest(args)
    p.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
