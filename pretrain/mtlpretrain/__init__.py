"""mtlpretrain: pretrain a small BERT encoder on a pre-tokenized `corpus.bin` (see ../FORMAT.md).

Only the Python standard library and torch (1.13 .. 2.x) are used: no numpy, no
transformers, no safetensors package. Run it as `python3 -m mtlpretrain` with `pretrain/` on
PYTHONPATH (`mtl pretrain` does this); `python3 -m mtlpretrain --help` lists the subcommands:

  train    --data corpus.bin --out DIR [--config JSON] [--preset tiny|cpu|gpu]
           [--budget-seconds S] [--threads N] [--device auto|cpu|cuda] [--resume]
           [--seed 42] [--layers N --hidden N --heads N --intermediate N
           --batch-size N --lr X --contrastive-batch N --contrastive-lr X
           --checkpoint-seconds S --shard-mb M]
  forward  --model DIR --input in.json --out out.json
           (input {"input_ids": [[..]], "attention_mask": [[..]], "token_type_ids": [[..]]},
           output {"last_hidden_state": [[[..]]]}, eval mode, fp32)
  selftest-data --out PATH [--vocab V --max-length L --count N --seed S]
           (a small learnable synthetic corpus, for tests)

`python3 -m mtlpretrain.selftest [--dir D] [--budget-seconds S]` runs data generation, a tiny
training run and the parity / determinism checks.

Phase 1 is masked (and translation) language modelling, phase 2 is contrastive
(translation pairs InfoNCE alternated with SimCSE). The encoder is saved in Hugging Face
`BertModel` naming as (possibly sharded) safetensors plus `config.json`.

Modules: config (presets, defaults, the run's configuration), model (the BERT), safetensors_io
(weights in and out), data (corpus.bin, batch sampling, masking), optim (optimizer and learning
rates), util (clock, log, atomic writes, RNG state), train (the trainer and phase 1), contrastive
(phase 2), outputs (weights, config, summary), cli, synthetic (test corpora), selftest.
"""
