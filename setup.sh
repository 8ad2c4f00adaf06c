#!/usr/bin/env bash
# Sets up .venv with everything the project needs, from nothing. Idempotent.
#   bash setup.sh          runtime (the app, ingest, python -m rag)
#   bash setup.sh --dev    also the test tools and Debian's chromium for the browser tests
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
  pip install -q -r requirements-dev.txt
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
