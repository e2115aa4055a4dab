#!/usr/bin/env bash
# Every GPU check in one run, for a lent GPU machine (DEVELOPERS.md, "GPU checks"): correctness on the GPU
# (gpu_check.py), `augan generate` at its defaults on the 100k and 1M tables (speed.py --sections defaults-gpu)
# and the training-speed grid (gpu_speed.py, 1M rows). The last two write their RESULTS.md sections; the logs
# and RESULTS.md are copied to $OUT after every step, so what finished comes back even if the call is cut short.
# Exit status 1 if any step failed (each step runs regardless).
#
# The whole run ends within GPU_CHECK_SECONDS (default 480): each step is stopped at that deadline, and the speed
# grid starts no setting after GPU_SPEED_RESERVE seconds (default 120) before it, room for the one under way
# (a torch.compile warm-up) and the write. Settings left out make its section partial (speed-gpu-partial).
#
#   GPU_CHECK_QUICK=1   the speed grid without torch.compile (its warm-ups take most of the grid's time)
#   PYTHON=python3      the interpreter that holds torch with CUDA
#
# augan's packages that the machine's image lacks travel as wheels in .whl/ (`make gpu-wheels` fetches them);
# augan itself is used from this checkout through PYTHONPATH, the command as `python -m augan_cli`.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-check-out}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
site=$(mktemp -d)
if compgen -G ".whl/*.whl" > /dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$site" .whl/*.whl || exit 1
fi
ln -s "$PWD/cli" "$site/augan_cli"
export PYTHONPATH="$site:$PWD:$PWD/benchmarks" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee "$OUT/nvidia-smi.txt"

status=0
deadline=${GPU_CHECK_SECONDS:-480}
step() {  # step NAME COMMAND...: run it until the deadline, log it, remember a failure, copy what it wrote
    local name=$1; shift
    local left=$((deadline - SECONDS))
    if [ "$left" -le 0 ]; then
        echo "=== $name: not started, the ${deadline} s deadline has passed"; status=1; return
    fi
    echo "=== $name: $*"
    local start=$SECONDS
    timeout "$left" "$@" 2>&1 | tee "$OUT/$name.log"
    local code=${PIPESTATUS[0]}
    [ "$code" = 0 ] || status=1
    [ "$code" = 124 ] && echo "=== $name: stopped at the ${deadline} s deadline"
    echo "=== $name: exit $code, $((SECONDS - start)) s"
    cp benchmarks/RESULTS.md "$OUT/RESULTS.md"
}
step gpu_check "$PY" benchmarks/gpu_check.py --device "${GPU_CHECK_DEVICE:-cuda}"
step defaults_gpu "$PY" benchmarks/speed.py --sections defaults-gpu ${DEFAULTS_ARGS:-}
if [ "${GPU_CHECK_QUICK:-0}" = 1 ]; then compile=(--compile off); else compile=(); fi
budget=$((deadline - SECONDS - ${GPU_SPEED_RESERVE:-120}))
step gpu_speed "$PY" benchmarks/gpu_speed.py --write --budget "$((budget > 0 ? budget : 0))" "${compile[@]}" \
    ${GPU_SPEED_ARGS:-}
exit $status
