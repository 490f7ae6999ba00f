"""The self-test: `python3 -m mtlpretrain.selftest [--dir D] [--budget-seconds S]`. Writes a synthetic
corpus, trains the tiny preset on it (CPU, one thread), and checks the outputs: files written, eval
forward deterministic, the reloaded safetensors and the `forward` subcommand equal to the in-memory
model, padding row zero, held-back masked-token loss below a uniform guess's. Exit status 1 on a failed check."""

import argparse
import json
import math
import os
import sys

import torch

from .cli import build_parser, cmd_train, run_forward
from .safetensors_io import load_model_dir
from .synthetic import cmd_selftest_data

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [PACKAGE_PARENT, os.environ.get("PYTHONPATH")])))
    subprocess.check_call([sys.executable, "-m", "mtlpretrain", "forward", "--model", out,
                           "--input", inp_path, "--out", out_path, "--threads", "1"], env=env)
    with open(out_path) as f:
        fw = torch.tensor(json.load(f)["last_hidden_state"], dtype=torch.float32)
    if not torch.equal(ref, fw):
        problems.append("forward subcommand differs: max abs %g" % float((ref - fw).abs().max()))
    pad_row = float(loaded.embeddings.word_embeddings.weight[0].abs().max())
    if pad_row != 0.0:
        problems.append("padding row not zero (%g)" % pad_row)
    with open(os.path.join(out, "training-summary.json")) as f:
        summ = json.load(f)
    # learning: the masked-token loss on held-back sequences below a uniform guess's (the untrained
    # model's, about ln V). Accuracy above chance needs more steps than a short budget gives on a
    # shared CPU, so it is reported, not required.
    uniform = math.log(corpus.vocab_size)
    val_loss = summ["final_val_masked_loss"]
    if val_loss is None or not val_loss < uniform - 0.05:
        problems.append("val loss %s not below a uniform guess's %.3f - 0.05" % (val_loss, uniform))
    print("selftest %s: %s (dir %s, val acc %.3f, retrieval@1 %s)" % (
        "FAILED" if problems else "ok", "; ".join(problems) or "all checks passed", d,
        summ["final_val_masked_accuracy"] or 0, summ["retrieval_at_1"]), flush=True)
    return 1 if problems else 0


def main(argv=None):
    p = argparse.ArgumentParser(description="pretrain self-test: synthetic corpus, tiny training run, parity checks")
    p.add_argument("--dir", default=None)
    p.add_argument("--budget-seconds", dest="budget_seconds", type=float, default=30.0)
    return cmd_selftest(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
