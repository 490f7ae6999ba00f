#!/usr/bin/env bash
# Reassembles what pretrain/device-run.sh left in $OUT (the device tool's files_at folder) into
# <work>/trained, ready for `mtl pretrain --stage export --work <work>`.
set -euo pipefail
FROM="${1:?usage: device-import.sh <files_at> [work folder, default .device/pretrain]}"
WORK="${2:-.device/pretrain}"
mkdir -p "$WORK/trained"
cat "$FROM"/trained.tar.part-* | tar xf - -C "$WORK/trained"
cp "$FROM/training.log" "$WORK/trained/" 2>/dev/null || true
ls -la "$WORK/trained"
