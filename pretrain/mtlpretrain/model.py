"""The encoder: Hugging Face `BertModel` names and semantics, plus the masked-LM head."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LN_EPS = 1e-12
MASK_MIN = torch.finfo(torch.float32).min


class BertEmbeddings(nn.Module):
    def __init__(self, vocab, hidden, max_pos, dropout, pad_id=0):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden, padding_idx=pad_id)
        self.position_embeddings = nn.Embedding(max_pos, hidden)
        self.token_type_embeddings = nn.Embedding(2, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=LN_EPS)
        self.dropout = nn.Dropout(dropout)

    def forward(self, input_ids, token_type_ids):
        length = input_ids.shape[1]
        pos = torch.arange(length, device=input_ids.device)
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(token_type_ids)
        x = x + self.position_embeddings(pos).unsqueeze(0)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, hidden, heads, dropout):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(dropout)

    def _split(self, x):
        b, l, _ = x.shape
        return x.view(b, l, self.heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, h, ext_mask):
        q = self._split(self.query(h))
        k = self._split(self.key(h))
        v = self._split(self.value(h))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores.float() + ext_mask
        probs = torch.softmax(scores, dim=-1)
        probs = self.dropout(probs)
        ctx = torch.matmul(probs.to(v.dtype), v)
        b, _, l, _ = ctx.shape
        return ctx.permute(0, 2, 1, 3).reshape(b, l, self.heads * self.head_dim)


class BertSelfOutput(nn.Module):
    def __init__(self, hidden, dropout):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=LN_EPS)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertAttention(nn.Module):
    def __init__(self, hidden, heads, hdrop, adrop):
        super().__init__()
        self.self = BertSelfAttention(hidden, heads, adrop)
        self.output = BertSelfOutput(hidden, hdrop)

    def forward(self, h, ext_mask):
        return self.output(self.self(h, ext_mask), h)


class BertIntermediate(nn.Module):
    def __init__(self, hidden, inter):
        super().__init__()
        self.dense = nn.Linear(hidden, inter)

    def forward(self, x):
        return F.gelu(self.dense(x))


class BertOutput(nn.Module):
    def __init__(self, hidden, inter, dropout):
        super().__init__()
        self.dense = nn.Linear(inter, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=LN_EPS)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, residual):
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertLayer(nn.Module):
    def __init__(self, hidden, heads, inter, hdrop, adrop):
        super().__init__()
        self.attention = BertAttention(hidden, heads, hdrop, adrop)
        self.intermediate = BertIntermediate(hidden, inter)
        self.output = BertOutput(hidden, inter, hdrop)

    def forward(self, h, ext_mask):
        a = self.attention(h, ext_mask)
        return self.output(self.intermediate(a), a)


class BertEncoder(nn.Module):
    def __init__(self, n, hidden, heads, inter, hdrop, adrop):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(hidden, heads, inter, hdrop, adrop) for _ in range(n)])

    def forward(self, h, ext_mask):
        for layer in self.layer:
            h = layer(h, ext_mask)
        return h


class BertModel(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, inter, max_pos, hdrop=0.1, adrop=0.1, pad_id=0):
        super().__init__()
        self.pad_id = pad_id
        self.embeddings = BertEmbeddings(vocab, hidden, max_pos, hdrop, pad_id)
        self.encoder = BertEncoder(layers, hidden, heads, inter, hdrop, adrop)

    def forward(self, input_ids, attention_mask, token_type_ids):
        ext = (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * MASK_MIN
        h = self.embeddings(input_ids, token_type_ids)
        return self.encoder(h, ext)


class BertForPretraining(nn.Module):
    """BertModel + BertForMaskedLM-style head (transform + tied decoder with own bias)."""

    def __init__(self, bert, vocab, hidden):
        super().__init__()
        self.bert = bert
        self.head_dense = nn.Linear(hidden, hidden)
        self.head_LayerNorm = nn.LayerNorm(hidden, eps=LN_EPS)
        self.head_bias = nn.Parameter(torch.zeros(vocab))

    def mlm_logits(self, h):
        x = self.head_LayerNorm(F.gelu(self.head_dense(h)))
        return F.linear(x, self.bert.embeddings.word_embeddings.weight, self.head_bias)


def init_weights(module, std=0.02):
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, std)
            if m.padding_idx is not None:
                with torch.no_grad():
                    m.weight[m.padding_idx].zero_()
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def build_bert(cfg, vocab, max_len, pad_id=0):
    return BertModel(vocab, cfg["hidden"], cfg["layers"], cfg["heads"], cfg["intermediate"], max_len,
                     cfg.get("hidden_dropout", 0.1), cfg.get("attention_dropout", 0.1), pad_id)


def hf_config(cfg, vocab, max_len, pad_id=0):
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab,
        "hidden_size": cfg["hidden"],
        "num_hidden_layers": cfg["layers"],
        "num_attention_heads": cfg["heads"],
        "intermediate_size": cfg["intermediate"],
        "max_position_embeddings": max_len,
        "type_vocab_size": 2,
        "hidden_act": "gelu",
        "layer_norm_eps": LN_EPS,
        "pad_token_id": pad_id,
        "hidden_dropout_prob": cfg.get("hidden_dropout", 0.1),
        "attention_probs_dropout_prob": cfg.get("attention_dropout", 0.1),
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


def mean_pool(h, attn):
    m = attn.unsqueeze(-1).to(h.dtype)
    return (h * m).sum(1) / m.sum(1).clamp(min=1.0)
