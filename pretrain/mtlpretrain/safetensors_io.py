"""Safetensors weights written and read by hand (F32 / F16 out; F32, F16, BF16 in), sharded as Hugging Face does."""

import json
import os
import struct

import torch

from .model import build_bert
from .util import _atomic_write

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
