#!/bin/sh
# One-shot builds with the cache in .pmsite/cache/ against the same builds by another
# binary, side by side in one run (this machine's speed varies from day to day).
# Usage: bench/build-cache.sh OLD_BINARY NEW_BINARY [COUNT]   (default 10000)
# Each row is the best of 3 (wall seconds, and user+system CPU seconds).
set -eu
OLD=$(realpath "$1"); NEW=$(realpath "$2"); N="${3:-10000}"
cd "$(dirname "$0")/.."
GEN="$(pwd)/tests/tools/gen-corpus"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 "$GEN" "$dir/kb" --count "$N" --seed 1 >/dev/null
cd "$dir/kb"
git init -q && git add -A && git -c user.name=b -c user.email=b@x commit -qm corpus
target=$(ls content/*/*.md | sed -n 100p)
cp "$target" "$dir/original.md"

# best WALL CPU of 3 runs of "$@" after running PREP before each
best() {
    prep="$1"; shift
    b=""
    for i in 1 2 3; do
        sh -c "$prep"
        /usr/bin/time -f "%e %U %S" -o "$dir/t" "$@" >/dev/null 2>&1
        t=$(awk '{printf "%.2f %.2f", $1, $2 + $3}' "$dir/t")
        if [ -z "$b" ] || [ "$(echo "$t $b" | awk '{print ($1 < $3)}')" = 1 ]; then b="$t"; fi
    done
    echo "$b"
}
fresh="rm -rf public .pmsite"
edit_body="cp $dir/original.md $target; printf '\nEdit %s: one more sentence.\n' \$(date +%N) >> $target"
edit_title="cp $dir/original.md $target; sed -i \"0,/^title: /s//title: Edit \$(date +%N) /\" $target"
B="build --today 2026-12-01"

echo "| build, $N generated postmortems | old wall s | old CPU s | new wall s | new CPU s |"
echo "|---|---:|---:|---:|---:|"
o=$(best "$fresh" "$OLD" $B); n=$(best "$fresh" "$NEW" $B)
echo "| fresh (no output, no cache) | ${o% *} | ${o#* } | ${n% *} | ${n#* } |"
o=$(best ":" "$OLD" $B); "$NEW" $B >/dev/null 2>&1; n=$(best ":" "$NEW" $B)
echo "| nothing changed, output and cache kept | ${o% *} | ${o#* } | ${n% *} | ${n#* } |"
o=$(best "$edit_body" "$OLD" $B); "$NEW" $B >/dev/null 2>&1; n=$(best "$edit_body" "$NEW" $B)
echo "| one body edited, output and cache kept | ${o% *} | ${o#* } | ${n% *} | ${n#* } |"
o=$(best "$edit_title" "$OLD" $B); "$NEW" $B >/dev/null 2>&1; n=$(best "$edit_title" "$NEW" $B)
echo "| one title edited, output and cache kept | ${o% *} | ${o#* } | ${n% *} | ${n#* } |"
# A new postmortem: each timed build adds the same new file, after an untimed build
# without it by the same binary.
newf="content/2025/2025-12-31-added-for-the-benchmark.md"
add_new() { echo "rm -f $newf; $1 $B >/dev/null 2>&1; sed \"0,/^title: /s//title: Added /\" $dir/original.md > $newf"; }
o=$(best "$(add_new "$OLD")" "$OLD" $B); n=$(best "$(add_new "$NEW")" "$NEW" $B)
echo "| one postmortem added, output and cache kept | ${o% *} | ${o#* } | ${n% *} | ${n#* } |"
rm -f "$newf"
# What CI sees after restoring both folders: every file has a new stamp.
n=$(best "touch content/*/*.md; find public -type f -exec touch {} +; $edit_body" "$NEW" $B)
echo "| one body edited, both folders restored (new stamps) | | | ${n% *} | ${n#* } |"
