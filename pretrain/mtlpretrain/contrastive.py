"""Phase 2 of the trainer: contrastive training (translation pairs InfoNCE alternated with SimCSE)
and retrieval@1, as methods the Trainer (train.py) inherits."""

import torch
import torch.nn.functional as F

from .data import PoolSampler
from .model import mean_pool
from .optim import make_optimizer, set_lr
from .util import autocast_ctx, log, sync


class ContrastivePhase:
    """The contrastive phase; mixed into Trainer, whose state (model, corpus, cfg, clock, ...) it uses."""

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
