#!/usr/bin/env bash
# Installs the system packages docflow's services and tests need, only those that are missing.
# Debian/Ubuntu (apt-get). As a non-root user it prints the command to run instead.
set -euo pipefail

need=()
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
command -v lz4 >/dev/null 2>&1 || need+=(lz4)                  # interop tests of the LZ4 frame format
command -v redis-server >/dev/null 2>&1 || need+=(redis-server) # the cache's L2 (tests; optional in production)
[ -d /usr/share/doc/python3.11/html ] || need+=(python3.11-doc) # real HTML corpus for tests and benchmarks
[ -f /usr/share/R/doc/manual/R-data.pdf ] || need+=(r-doc-pdf)  # real PDFs for the extractor and pipeline tests
command -v chromium >/dev/null 2>&1 || need+=(chromium)          # headless browser for the dashboard test
command -v ip >/dev/null 2>&1 || need+=(iproute2)                # network namespaces for the multi-host test
for extra in "$@"; do dpkg -s "$extra" >/dev/null 2>&1 || need+=("$extra"); done

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "docflow: missing system packages: ${need[*]}. Install them with your package manager (nats-server 2.9+)." >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "docflow: missing system packages: ${need[*]}" >&2
  echo "  run as root: sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "docflow: installing ${need[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "docflow: installed ${need[*]}" >&2
