#!/usr/bin/env bash
# The main job: build (or reuse) a real-guest fixture, then run virtmem on its dump.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build --silent
echo "demo: nothing to show yet (the fixture builder comes with issue 3)"
