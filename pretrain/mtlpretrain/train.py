"""The trainer: model, optimizer and samplers, validation with a fixed mask, checkpoints, phase 1
(masked / translation LM under the time budget). Phase 2 is in contrastive.py, the outputs in outputs.py."""

import json
import os
import random

import torch
import torch.nn.functional as F

from .contrastive import ContrastivePhase
from .data import Masker, PoolSampler
from .model import BertForPretraining, build_bert, init_weights
from .optim import make_optimizer, mlm_lr, set_lr
from .outputs import TrainerOutputs
from .util import atomic_torch_save, autocast_ctx, log, rng_state, set_rng_state, sync


class Trainer(ContrastivePhase, TrainerOutputs):
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
