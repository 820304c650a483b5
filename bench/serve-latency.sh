#!/bin/sh
# Save-to-reload-event latency of `pmsite serve` at 1,000 and 10,000 generated postmortems.
# Usage: bench/serve-latency.sh [COUNTS...]   (default: 1000 10000; uses tests/tools/gen-corpus)
set -eu
cd "$(dirname "$0")/.."
GEN="${GEN_CORPUS:-$(pwd)/tests/tools/gen-corpus}"
cargo build --release --example serve_latency
COUNTS="${*:-1000 10000}"
for n in $COUNTS; do
    dir=$(mktemp -d)
    python3 "$GEN" "$dir/kb" --count "$n" --seed 7 >/dev/null
    ./target/release/examples/serve_latency "$dir/kb" 20 title
    ./target/release/examples/serve_latency "$dir/kb" 20 body
    ./target/release/examples/serve_latency "$dir/kb" 10 new
    ./target/release/examples/serve_latency "$dir/kb" 10 delete
    rm -rf "$dir"
done
