#!/bin/sh
# The largest pages a build writes, and how long it took and how much memory it held.
# Usage: bench/page-sizes.sh BINARY KB_DIR   (KB_DIR from tests/tools/gen-corpus; built in place)
set -eu
BIN=$(realpath "$1"); KB=$(realpath "$2")
cd "$KB"
rm -rf public .pmsite
/usr/bin/time -f "wall %e s, CPU %U+%S s, peak RSS %M KB" "$BIN" build --today 2026-12-01 >/dev/null 2>"$KB/.time" || { cat "$KB/.time"; exit 1; }
tail -1 "$KB/.time"
echo "output: $(du -sh public | cut -f1), $(find public -type f | wc -l) files, $(find public -name index.html -path '*/page/*' | wc -l) later list pages"
echo "largest HTML pages:"
find public -name '*.html' -printf '%s %P\n' | sort -rn | head -5 | awk '{printf "  %8.0f KB  %s\n", $1/1024, $2}'
