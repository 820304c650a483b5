#!/usr/bin/env bash
# The write path, old binary against new in one run: a first build into no folder, a
# rebuild with nothing changed, one title edit and one body edit, on N generated
# postmortems. Each step runs both binaries back to back, RUNS times; medians.
# Usage: bench/output-write.sh OLD_PMSITE NEW_PMSITE [COUNT]   (default 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
OLD=$1 NEW=$2 N=${3:-10000}
RUNS="${RUNS:-3}"
WORK="${WORK:-$(mktemp -d)}"
KB="$WORK/kb"
[ -f "$KB/site.toml" ] || python3 tests/tools/gen-corpus "$KB" --count "$N" --seed 7 >/dev/null
TRASH="$WORK/trash"; mkdir -p "$TRASH"
aside() { [ ! -e "$1" ] || mv "$1" "$TRASH/$(date +%s%N)"; }
run() { # binary, output folder -> wall seconds
  /usr/bin/time -f "%e" -o "$WORK/time" "$1" build --root "$KB" --output "$2" --today 2026-06-30 >/dev/null 2>&1
  cat "$WORK/time"
}
median() { sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }
PM=$(find "$KB/content" -name '*.md' ! -name '_index.md' | sort | sed -n 100p)
cp "$PM" "$WORK/pm.orig"
declare -A T
step() { # label, prepare command
  local label=$1 prep=$2 a b
  for bin in old new; do T[$bin]=""; done
  for _ in $(seq "$RUNS"); do
    for bin in old new; do
      local exe=$OLD; [ $bin = new ] && exe=$NEW
      eval "$prep"
      T[$bin]+="$(run "$exe" "$WORK/out-$bin") "
    done
  done
  a=$(tr ' ' '\n' <<<"${T[old]}" | grep . | median)
  b=$(tr ' ' '\n' <<<"${T[new]}" | grep . | median)
  printf '| %-36s | %6s s | %6s s | %5s |\n' "$label" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", b/a}')"
}
echo "| $N postmortems                        | old      | new      | new/old |"
echo "|--------------------------------------|----------|----------|---------|"
step "first build (no output folder)" 'aside "$WORK/out-$bin"'
step "rebuild, nothing changed" ':'
i=0
step "one title edited" 'i=$((i+1)); sed "s/^title: /title: Edit $i /" "$WORK/pm.orig" > "$PM"'
step "one body line edited" 'i=$((i+1)); { cat "$WORK/pm.orig"; echo "Edit $i."; } > "$PM"'
cp "$WORK/pm.orig" "$PM"
rm -rf "$TRASH"
