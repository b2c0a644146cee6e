#!/usr/bin/env bash
# The GPU check of `arcedge train` (issue 22), for a CUDA machine: what CPU tests cannot run.
#   - 2 NCCL processes when the machine has 2+ GPUs, else 1 (the classifier sharded across them);
#   - amp: true (fp16 backbone + GradScaler, fp32 classifier and margins);
#   - workers: 4 DataLoader processes per GPU reading a packed RecordIO set;
#   - 100 steps of the emore-r18 recipe (iresnet18, ArcFace s=64 m=0.5, batch 128/GPU, lr 0.1)
#     on a generated insightface-layout set (no download), then `arcedge train export`;
#   - prints img/s and peak GPU memory per rank, and fails on a non-finite loss or a bad package.
# Usage: scripts/gpu-train-check.sh [python with CUDA PyTorch and onnx]   (default: $ARCEDGE_PYTHON,
#        then python3). Env: STEPS (100), CLASSES (2000), PER_CLASS (8), WORK (a temp dir).
#        CHECK_DEVICE=cpu: a dry run of this script on CPU (2 gloo processes, batch 8), to test
#        the script itself where there is no GPU; it says nothing about CUDA.
# Needs: node + this checkout's npm dependencies (npm ci), PyTorch with CUDA (Debian's or pip's), onnx, pillow, numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${1:-${ARCEDGE_PYTHON:-python3}}"
STEPS="${STEPS:-100}"
WORK="${WORK:-$(mktemp -d -t arcedge-gpu-check-XXXXXX)}"
export PYTHONPATH="$PWD/tools${PYTHONPATH:+:$PYTHONPATH}"

EXTRA=()
if [ "${CHECK_DEVICE:-cuda}" = cpu ]; then
  GPUS=2
  EXTRA=(--set devices.device=cpu --set batchSize=8 --set devices.threads=1)
else
"$PY" - <<'PYEOF'
import sys, torch
if not torch.cuda.is_available():
    sys.exit(f"gpu-train-check: PyTorch {torch.__version__} at {sys.executable} sees no CUDA device")
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, NCCL {'.'.join(map(str, torch.cuda.nccl.version()))}, "
      f"{torch.cuda.device_count()} x {torch.cuda.get_device_name(0)}")
PYEOF
GPUS=$("$PY" -c 'import torch; print(torch.cuda.device_count())')
fi
PROCS=$(( GPUS >= 2 ? 2 : 1 ))
echo "processes: $PROCS (NCCL when 2), work dir: $WORK"

echo "== a generated RecordIO set"
"$PY" -m trainer synthetic --out "$WORK/set" --classes "${CLASSES:-2000}" --per-class "${PER_CLASS:-8}"

echo "== $STEPS steps of emore-r18 (amp, workers 4)"
node --import tsx tools/arcedge.ts train --network r18 --data "$WORK/set" --out "$WORK/runs" --python "$PY" \
  --steps "$STEPS" --set devices.processes="$PROCS" --set amp=true --set workers=4 --set logEvery=10 \
  --set checkpointEvery=50 --set verifyEvery=0 "${EXTRA[@]}" --json | tee "$WORK/events.jsonl"

echo "== train export of the last checkpoint"
CKPT="$WORK/runs/emore-r18/checkpoints/$(cat "$WORK/runs/emore-r18/checkpoints/latest")"
node --import tsx tools/arcedge.ts train export --checkpoint "$CKPT" --network r18 --out "$WORK/exported" --python "$PY" --json

echo "== summary"
"$PY" - "$WORK/events.jsonl" "$PROCS" <<'PYEOF'
import json, math, sys
events = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
start = next(e for e in events if e.get("event") == "start")
steps = [e for e in events if e.get("event") == "step"]
assert steps and all(math.isfinite(e["loss"]) for e in steps), "non-finite loss"
steady = steps[1:] or steps  # the first window includes cuDNN autotuning and worker start-up
rate = sum(e["imgPerSec"] for e in steady) / len(steady)
print(f"processes {sys.argv[2]} (world {start['world']}), amp {start['amp']}, classes per rank {start['classesPerRank']}")
print(f"loss {steps[0]['loss']:.3f} -> {steps[-1]['loss']:.3f} over {steps[-1]['step']} steps")
print(f"throughput {rate:.0f} img/s (all GPUs, steady windows), peak GPU memory rank 0: {max(e.get('peakMemoryMB', 0) for e in steps):.0f} MiB")
PYEOF
test -f "$WORK/exported/model.onnx.manifest.json" && echo "exported package: $WORK/exported"
