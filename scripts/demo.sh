#!/usr/bin/env bash
# The main job on embedded defaults: start docflow (embedded nats-server), show its status, stop it.
# Later the pipeline grows this into ingest + search of a real corpus.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system.sh
[ -f dist/src/cli/main.js ] || npm run build --silent

data=${DOCFLOW_DATA_DIR:-./.docflow}
mkdir -p "$data"
log="$data/up.log"
# Port 0: any free port, so the demo never collides with a server already on 4222.
DOCFLOW_NATS_PORT=${DOCFLOW_NATS_PORT:-0} DOCFLOW_METRICS_PORT=${DOCFLOW_METRICS_PORT:-0} DOCFLOW_DATA_DIR="$data" node dist/src/cli/main.js up >"$log" 2>&1 &
up=$!
trap 'kill -TERM $up 2>/dev/null || true; wait $up 2>/dev/null || true' EXIT

echo "starting docflow (log: $log) ..."
DOCFLOW_DATA_DIR="$data" node dist/src/cli/main.js status --wait-ms 20000 || { echo "docflow did not come up; its log:"; tail -20 "$log"; exit 1; }
