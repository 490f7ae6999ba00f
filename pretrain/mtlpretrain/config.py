"""Presets, defaults and the configuration of a run."""

import json

import torch

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
