#!/bin/bash
# How issue 6's vLLM figures were made on a lent GPU host that has no network: vLLM and the
# packages it needs beyond the host's PyTorch arrive as wheels plus a trimmed vLLM tarball, and
# the model as the packaged GGUF (the embedded default), split into parts. Then the launcher
# (`pagewise serve-llm`'s code, through bench/serve.py --launch) converts the model once,
# starts vLLM, waits for /health, warms it up and the load benchmark runs against it.
#
#   STASH=/root/stash OUT=/tmp/out bash bench/serve-on-gpu.sh
#
# STASH holds: wheels/*.whl, v0 v1 … (parts of vllm-slim.tar.xz), m00 m01 … (parts of the GGUF).
set -euo pipefail
STASH=${STASH:-/root/stash}
OUT=${OUT:-/tmp/out}
SITE=/tmp/site
DATA=/tmp/pagewise-gpu
mkdir -p "$SITE" "$DATA/models" "$OUT"

if [ ! -d "$SITE/vllm" ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target "$SITE" \
        "$STASH"/wheels/*.whl
    cat "$STASH"/v? | xz -d -T0 | tar -x -C "$SITE"
fi
GGUF="$DATA/models/qwen2.5-coder-1.5b-instruct.gguf"
if [ ! -f "$GGUF" ]; then
    cat "$STASH"/m?? > "$GGUF"
fi
echo "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046  $GGUF" | sha256sum -c

export PYTHONPATH="$SITE:$PWD" PYTHONUNBUFFERED=1
export PAGEWISE_DATA_DIR="$DATA"
python3 -c 'import vllm, torch; print("vllm", vllm.__version__, "torch", torch.__version__)'
python3 bench/serve.py load --launch --concurrency "${LEVELS:-1,4,16,64,128}" \
    --rate "${RATE:-300}" --duration "${DURATION:-60}" --json-out "$OUT/vllm.json" ${BENCH_ARGS:-} \
    | tee "$OUT/vllm.txt"
cp "$DATA/logs/vllm.log" "$OUT/vllm.log" || true
