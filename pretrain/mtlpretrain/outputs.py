"""The trainer's outputs: the encoder's weights (safetensors), its Hugging Face config.json and
training-summary.json, as a method the Trainer (train.py) inherits."""

import json
import os
import sys

import torch

from .model import hf_config
from .safetensors_io import save_safetensors_model
from .util import _atomic_write


class TrainerOutputs:
    """Writes what a run leaves behind; mixed into Trainer, whose state (model, cfg, stats, ...) it reads."""

    def export(self):
        V, L = self.corpus.vocab_size, self.corpus.max_length
        state = {k: v.detach().float().contiguous() for k, v in self.model.bert.state_dict().items()}
        files, total = save_safetensors_model(state, self.out, float(self.cfg["shard_mb"]), self.cfg.get("save_dtype", "fp32"))
        _atomic_write(os.path.join(self.out, "config.json"),
                      [json.dumps(hf_config(self.cfg, V, L, self.pad_id), indent=2).encode("utf-8")])
        n_params = sum(p.numel() for p in self.model.bert.parameters())
        mlm_count = self.corpus.sections["mlm"].count
        st = self.stats
        summary = {
            "config": self.cfg,
            "torch_version": torch.__version__,
            "python_version": sys.version.split()[0],
            "device": str(self.device) + (" (%s)" % torch.cuda.get_device_name(self.device)
                                          if self.device.type == "cuda" else ""),
            "threads": self.threads,
            "corpus": {"vocab_size": V, "max_length": L,
                       "counts": {k: s.count for k, s in self.corpus.sections.items()},
                       "sources": self.corpus.header.get("sources")},
            "seconds": {"mlm": st["mlm_seconds"], "contrastive": st["contrastive_seconds"],
                        "total": self.clock()},
            "mlm_steps": self.step,
            "mlm_steps_planned": self.sched["total"],
            "mlm_warmup_steps": self.sched["warmup"],
            "mlm_steps_per_second_after_warmup": st["mlm_steps_per_second"],
            "mlm_stopped_early": st.get("mlm_stopped_early", False),
            "tokens_seen": st["tokens_seen"],
            "epochs": self.step * self.mlm_sampler.bs / float(mlm_count),
            "final_train_masked_loss": st["mlm_train_loss"],
            "final_train_masked_accuracy": st["mlm_train_acc"],
            "final_val_masked_loss": st["mlm_val_loss"],
            "final_val_masked_accuracy": st["mlm_val_acc"],
            "contrastive_steps": self.cl_step,
            "contrastive_steps_planned": self.cl_total,
            "contrastive_final_loss": st["contrastive_loss"],
            "retrieval_at_1": st["retrieval_at_1"],
            "retrieval_pairs": st["retrieval_pairs"],
            "parameters_encoder": n_params,
            "weights_bytes": total,
            "weights_files": files,
            "seed": self.cfg["seed"],
        }
        _atomic_write(os.path.join(self.out, "training-summary.json"),
                      [json.dumps(summary, indent=2).encode("utf-8")])
        return summary
