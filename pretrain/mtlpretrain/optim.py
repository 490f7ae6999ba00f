"""The optimizer (AdamW, no decay on biases and LayerNorm) and the learning-rate schedule."""

import torch

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
