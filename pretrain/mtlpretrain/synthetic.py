"""Synthetic corpora for tests: a corpus.bin writer and a small learnable corpus (phrases, a fixed 'translation')."""

import json
import os
import random
import struct
from array import array

from .util import _atomic_write

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
