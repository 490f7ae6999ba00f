"""The command line: `python3 -m mtlpretrain train|forward|selftest-data`."""

import argparse
import json
import os

import torch

from .config import PRESETS, pick_device, resolve_config
from .data import Corpus
from .safetensors_io import load_model_dir
from .synthetic import cmd_selftest_data
from .train import Trainer
from .util import Clock, _atomic_write, log, torch_load


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
    p.print_help()
    return 2
