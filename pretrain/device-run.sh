#!/usr/bin/env bash
# The GPU pretraining run, as one command for the device tool's machine (one H200, Python 3.12 +
# torch 2.11, no Node, no network). Prepared here first (Node):
#
#   npx mtl pretrain --stage prepare --work .device/pretrain --vocab-size 32000
#
# then, through the device tool, carrying `.device` (about 30 MB):
#
#   bash pretrain/device-run.sh            # budget: PRETRAIN_BUDGET seconds of training (default 420)
#
# It trains the `gpu` preset on .device/pretrain/corpus.bin and leaves in $OUT what the export
# needs, inside the tool's return limits (8 files, 16 MiB each, 64 MiB in all): the trained folder
# as a tar split into 15 MiB parts (fp16 weights, config.json), training-summary.json and the log.
# Back here: bash pretrain/device-import.sh <files_at> .device/pretrain, then
#   npx mtl pretrain --stage export --work .device/pretrain --out models/mini --name mtl-nlp/mini --no-fp32
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:?OUT must name the folder to leave results in}"
WORK="${PRETRAIN_WORK:-.device/pretrain}"
BUDGET="${PRETRAIN_BUDGET:-420}"
test -f "$WORK/corpus.bin" || { echo "device-run: $WORK/corpus.bin missing: run the prepare stage here and carry .device" >&2; exit 1; }
export PYTHONUNBUFFERED=1
PYTHON="${PYTHON:-python3}"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
"$PYTHON" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())'
TRAINED=/tmp/mtl-trained
rm -rf "$TRAINED"
PYTHONPATH="pretrain${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" -m mtlpretrain train --data "$WORK/corpus.bin" --out "$TRAINED" --preset "${PRETRAIN_PRESET:-gpu}" --device "${PRETRAIN_DEVICE:-cuda}" \
  --budget-seconds "$BUDGET" --checkpoint-seconds 100000 2>&1 | tee "$OUT/training.log"
cp "$TRAINED/training-summary.json" "$TRAINED/training-log.jsonl" "$OUT/"
tar cf - -C "$TRAINED" --exclude checkpoint.pt . | split -b 15m - "$OUT/trained.tar.part-"
ls -la "$OUT"
