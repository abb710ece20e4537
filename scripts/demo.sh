#!/usr/bin/env bash
# The main job on embedded defaults: start docflow (embedded nats-server, PostgreSQL and Chroma),
# ingest a real corpus (the Python library reference from python3.11-doc, HTML), search it, ask for the
# entities and relations found in it, show the status, stop. DEMO_CORPUS=path ingests something else
# (it becomes the load root).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system.sh
[ -f dist/src/cli/main.js ] || npm run build --silent

data=${DOCFLOW_DATA_DIR:-./.docflow}
corpus=${DEMO_CORPUS:-/usr/share/doc/python3.11/html/library}
mkdir -p "$data"
log="$data/up.log"
export DOCFLOW_DATA_DIR="$data"
# Port 0: any free port, so the demo never collides with a server already on 4222.
DOCFLOW_NATS_PORT=${DOCFLOW_NATS_PORT:-0} DOCFLOW_METRICS_PORT=${DOCFLOW_METRICS_PORT:-0} DOCFLOW_LOAD_ROOTS="$corpus" \
  node dist/src/cli/main.js up >"$log" 2>&1 &
up=$!
trap 'kill -TERM $up 2>/dev/null || true; wait $up 2>/dev/null || true' EXIT

echo "starting docflow (log: $log) ..."
node dist/src/cli/main.js status --wait-ms 60000 >/dev/null || { echo "docflow did not come up; its log:"; tail -20 "$log"; exit 1; }
echo "ingesting $corpus ..."
node dist/src/cli/main.js ingest "$corpus"
echo
# The default embedder is lexical (README: "embed"): queries find chunks that share their words.
echo '$ docflow search csv DictReader sniffer dialect'
node dist/src/cli/main.js search -k 3 csv DictReader sniffer dialect
echo
echo '$ docflow search subprocess run capture_output returncode'
node dist/src/cli/main.js search -k 3 subprocess run capture_output returncode
echo
# Beside the chunks, the knowledge stage kept entities and relations (README: "Knowledge"); ingest
# waited for it, so they are all queryable now.
echo '$ docflow entities --sort -mentions --size 5'
node dist/src/cli/main.js entities --sort -mentions --size 5
echo
echo '$ docflow relations --size 5'
node dist/src/cli/main.js relations --size 5
echo
node dist/src/cli/main.js status
