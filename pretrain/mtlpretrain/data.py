"""corpus.bin (see ../FORMAT.md) read into tensors, epoch-wise length-pooled batch sampling, and masking."""

import json
import struct

import torch

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
