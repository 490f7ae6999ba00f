"""q8 vs fp32 throughput of the encoder files with ONNX Runtime's Python API (same MLAS kernels as
onnxruntime-node of the same version), for machines without Node. Input: the folder that
benchmarks/device/prepare.ts writes. Output: <out>/q8-ratio.json and a printed summary.

    python3 benchmarks/device/q8_ratio.py .device/q8 [OUT_DIR]     (THREADS=n to override cores)
"""
import json
import os
import platform
import sys
import time

import numpy as np
import onnxruntime as ort

src = sys.argv[1]
out_dir = sys.argv[2] if len(sys.argv) > 2 else "."
threads = int(os.environ.get("THREADS", os.cpu_count() or 1))
rounds = int(os.environ.get("ROUNDS", "3"))
data = json.load(open(os.path.join(src, "batches.json")))


def session(name):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(os.path.join(src, "model", "onnx", name), so, providers=["CPUExecutionProvider"])


def feeds(sess, rows):
    length = max(len(r) for r in rows)
    ids = np.zeros((len(rows), length), dtype=np.int64)
    mask = np.zeros((len(rows), length), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    f = {"input_ids": ids, "attention_mask": mask}
    if "token_type_ids" in [i.name for i in sess.get_inputs()]:
        f["token_type_ids"] = np.zeros_like(ids)
    return f


sessions = {"fp32": session("model.onnx"), "q8": session("model_quantized.onnx")}
prepared = {k: [feeds(s, b) for b in data["batches"]] for k, s in sessions.items()}


def one_pass(k):
    s = sessions[k]
    t0 = time.perf_counter()
    for f in prepared[k]:
        s.run(["last_hidden_state"], f)
    return time.perf_counter() - t0


for k in sessions:
    one_pass(k)  # warm-up
best = {"fp32": float("inf"), "q8": float("inf")}
per_round = []
for _ in range(rounds):
    r = {k: one_pass(k) for k in ("fp32", "q8")}
    per_round.append(r["fp32"] / r["q8"])
    for k in best:
        best[k] = min(best[k], r[k])

flags = set()
model = platform.processor()
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
except OSError:
    pass
result = {
    "onnxruntime": ort.__version__,
    "cpu": model,
    "threads": threads,
    "int8_features": sorted(f for f in flags if "vnni" in f or f.startswith("amx") or f == "avx512f" or f == "avx2"),
    "texts": data["texts"],
    "tokens": data["tokens"],
    "texts_per_second": {k: data["texts"] / v for k, v in best.items()},
    "q8_over_fp32": best["fp32"] / best["q8"],
    "q8_over_fp32_per_round": per_round,
}
os.makedirs(out_dir, exist_ok=True)
with open(os.path.join(out_dir, "q8-ratio.json"), "w") as fh:
    json.dump(result, fh, indent=2)
print(json.dumps(result, indent=2))
