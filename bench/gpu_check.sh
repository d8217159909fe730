#!/usr/bin/env bash
# The GPU path measured end to end, as one command on the GPU machine (under 8 minutes; issue 13, item 5).
#
#   here, once:  bash bench/gpu_check.sh --fetch-wheels   # what the GPU machine lacks, into the ignored .whl/
#   there:       bash bench/gpu_check.sh                  # the device run, carrying [".whl"]; results go to $OUT
#   here, after: python bench/bench_gpu.py --record FILES_AT/gpu-section.md   # into bench/RESULTS.md
#
# The machine has Python 3.12 with torch, torchvision, numpy, Pillow and pytest but no registry; of Doppel's
# run-time needs only platformdirs is missing (faiss, pillow-heif, send2trash and OpenVINO are not on this path).
# Runs the tests marked `gpu`, then bench/bench_gpu.py on 3,000 generated photos.
set -uo pipefail
cd "$(dirname "$0")/.."
WHEELS=(platformdirs==4.14.9)

if [[ "${1:-}" == "--fetch-wheels" ]]; then
    exec python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        -d .whl "${WHEELS[@]}"
fi

OUT="${OUT:-bench/_work/gpu-out}"
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
if compgen -G ".whl/*.whl" >/dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        || { echo "gpu_check: installing the carried wheels failed" >&2; exit 1; }
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

{
    date -u +"%Y-%m-%d %H:%M UTC"
    nvidia-smi -L
    python3 -c "import torch, torchvision; print('torch', torch.__version__, 'torchvision', torchvision.__version__,
'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
} 2>&1 | tee "$OUT/env.txt"

timeout 150 python3 -m pytest -q -m gpu tests/engine/test_gpu.py -p no:cacheprovider -rs -s 2>&1 | tee "$OUT/gpu-tests.txt"
tests_rc=${PIPESTATUS[0]}
timeout 300 python3 bench/bench_gpu.py --n 3000 --out "$OUT/gpu-section.md" 2>&1 | tee "$OUT/bench.txt"
bench_rc=${PIPESTATUS[0]}
echo "gpu_check: tests exit $tests_rc, benchmark exit $bench_rc; results in $OUT"
exit $((tests_rc != 0 || bench_rc != 0))
