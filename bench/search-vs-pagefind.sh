#!/usr/bin/env bash
# pmsite's browser search index against Pagefind on the same postmortems.
#
# For each corpus size (default 1000 and 10000, gen-corpus seed 7) it builds
# pmsite's index (examples/search_bench.rs) and Pagefind's index over plain HTML
# pages of the same postmortems, then loads each in headless Chromium over HTTP
# and sums the bytes a query downloads (Resource Timing), client code included.
# Prints total index size, indexing time and bytes per query side by side.
#
#   bench/search-vs-pagefind.sh [COUNT...]
#
# Needs: python3 with `pip install pagefind[extended]`, chromium, node, gzip.
# WORK=/some/dir keeps the corpora and outputs (default: a temp dir).
# PROFILE=debug builds the bench without optimisation: bytes per query and index
# sizes come out the same, indexing times do not (a release build takes 10+ min on
# a loaded 2-core machine). CARGO_TARGET_DIR is honoured.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(1000 10000)
work=${WORK:-$(mktemp -d)}
shared=${SHARED:-$here/../shared}
[ -x "$shared/tools/gen-corpus" ] || shared=/work/shared
queries=("latency" "connection pool timeout")

python3 -m pagefind --version >/dev/null 2>&1 || { echo "needs Pagefind: pip install 'pagefind[extended]'" >&2; exit 1; }
command -v chromium >/dev/null || { echo "needs chromium" >&2; exit 1; }
profile=${PROFILE:-release}
case "$profile" in
  release) (cd "$here" && cargo build -q --release --example search_bench) ;;
  debug) (cd "$here" && cargo build -q --example search_bench) ;;
  *) echo "PROFILE is release or debug, not $profile" >&2; exit 2 ;;
esac
bench="${CARGO_TARGET_DIR:-$here/target}/$profile/examples/search_bench"

port=$((20000 + RANDOM % 20000))
server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true' EXIT

now() { date +%s.%N; }
kb() { awk -v b="$1" 'BEGIN { printf "%.0f KB", b / 1024 }'; }

# Harness pages: each loads one engine, runs ?q=, and writes what it fetched into <pre id=out>.
write_harness() {
  local out=$1
  mkdir -p "$out/assets"
  cp "$here/themes/default/static/search.js" "$out/assets/search.js"
  cat > "$out/report.js" <<'JS'
function pmReport(extra) {
  var entries = performance.getEntriesByType("resource");
  var bytes = 0, files = 0;
  entries.forEach(function (e) { if (!/report\.js$/.test(e.name)) { bytes += e.encodedBodySize; files++; } });
  var o = { bytes: bytes, files: files };
  for (var k in extra) o[k] = extra[k];
  document.getElementById("out").textContent = JSON.stringify(o);
}
JS
  # The search page: ?q= runs on load, facets shown, 20 results.
  cat > "$out/pm-page.html" <<'HTML'
<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="pm-root" content=""><title>pmsite</title></head><body>
<main><form class="pm-search pm-search-page" role="search"><input type="search" name="q" id="pm-search-page-input"></form>
<div id="pm-search-facets"></div><div id="pm-search-results"></div></main><pre id="out"></pre>
<script src="report.js"></script><script src="assets/search.js"></script>
<script>
(function wait() {
  var st = document.querySelector("#pm-search-results .pm-search-status");
  if (!st || !st.textContent) return setTimeout(wait, 20);
  pmReport({ results: document.querySelectorAll("#pm-search-results .pm-result").length, status: st.textContent,
    top: (document.querySelector("#pm-search-results .pm-result a") || {}).textContent });
})();
</script></body></html>
HTML
  # Typing in the header box: the last word is a prefix, 8 results in a dropdown, no facets.
  cat > "$out/pm-type.html" <<'HTML'
<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="pm-root" content=""><title>pmsite</title></head><body>
<form class="pm-search" action="search/" role="search"><input type="search" name="q" id="pm-search-input"></form><pre id="out"></pre>
<script src="report.js"></script><script src="assets/search.js"></script>
<script>
var input = document.getElementById("pm-search-input");
input.focus();
input.value = new URLSearchParams(location.search).get("q");
input.dispatchEvent(new Event("input"));
(function wait() {
  var list = document.querySelector(".pm-search-dropdown");
  if (!list || list.hidden || !list.children.length) return setTimeout(wait, 20);
  pmReport({ results: list.querySelectorAll(".pm-result").length });
})();
</script></body></html>
HTML
  # Pagefind's JS API doing the same: search, load the shown results, and (page) its filters.
  cat > "$out/pf.html" <<'HTML'
<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>pagefind</title></head><body><pre id="out"></pre>
<script src="report.js"></script>
<script type="module">
const p = new URLSearchParams(location.search);
const pagefind = await import("./pagefind/pagefind.js");
await pagefind.init();
const search = await pagefind.search(p.get("q"));
const data = await Promise.all(search.results.slice(0, +p.get("n")).map((r) => r.data()));
if (p.get("filters")) await pagefind.filters();
pmReport({ results: data.length, total: search.results.length, top: data[0] && data[0].meta.title });
</script></body></html>
HTML
}

# A fresh profile per page so nothing is served from a cache; retried because a
# loaded machine sometimes lets the headless run end before the page reports.
fetch_json() {
  local json="" try
  for try in 1 2 3; do
    rm -rf "$work/chrome-profile"
    json=$(timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-extensions \
      --user-data-dir="$work/chrome-profile" --virtual-time-budget=120000 --dump-dom "$1" 2>/dev/null \
      | sed -n 's/.*<pre id="out">\([^<]*\)<\/pre>.*/\1/p' | sed 's/&quot;/"/g') || true
    [ -n "$json" ] && break
  done
  echo "$json"
}
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1] or '{}'); print(d.get('$2', '?'))" "$1"; }

declare -a rows
for n in "${counts[@]}"; do
  corpus="$work/gen$n"
  out="$work/out$n"
  [ -f "$corpus/site.toml" ] || python3 "$shared/tools/gen-corpus" "$corpus" --count "$n" --seed 7 >/dev/null
  rm -rf "$out"; mkdir -p "$out"
  stats=$("$bench" "$corpus" "$out" --html)
  echo "$stats" > "$out/pmsite-stats.json"
  t0=$(now)
  python3 -m pagefind --site "$out/pages" --output-path "$out/pagefind" >/dev/null
  pf_secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
  pf_bytes=$(find "$out/pagefind" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
  pf_files=$(find "$out/pagefind" -type f | wc -l)
  pm_bytes=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['browser']['bytes'])" "$out/pmsite-stats.json")
  pm_gzip=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['browser']['gzip_bytes'])" "$out/pmsite-stats.json")
  pm_files=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['browser']['files'])" "$out/pmsite-stats.json")
  pm_ms=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['ms']; print('%.2f' % ((m['analysis']+m['browser_export']+m['browser_write'])/1000))" "$out/pmsite-stats.json")
  tantivy_s=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['ms']; print('%.2f' % (m['tantivy_build']/1000))" "$out/pmsite-stats.json")
  write_harness "$out"
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  (cd "$out" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
  server_pid=$!
  sleep 1
  base="http://127.0.0.1:$port"
  rows+=("")
  rows+=("== $n postmortems (gen-corpus seed 7) ==")
  rows+=("$(printf '%-44s %18s %18s' '' pmsite Pagefind)")
  rows+=("$(printf '%-44s %18s %18s' 'index files' "$pm_files" "$pf_files")")
  rows+=("$(printf '%-44s %18s %18s' 'index bytes on disk' "$(kb "$pm_bytes")" "$(kb "$pf_bytes")")")
  rows+=("$(printf '%-44s %18s %18s' 'index bytes, gzip (as a server sends them)' "$(kb "$pm_gzip")" "(already gzip)")")
  rows+=("$(printf '%-44s %17ss %17ss' "indexing time (browser index, $profile)" "$pm_ms" "$pf_secs")")
  rows+=("$(printf '%-44s %17ss %18s' 'tantivy index for pmsite search' "$tantivy_s" '-')")
  for q in "${queries[@]}"; do
    enc=$(python3 -c "import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))" "$q")
    pm_page=$(fetch_json "$base/pm-page.html?q=$enc")
    pf_page=$(fetch_json "$base/pf.html?q=$enc&n=20&filters=1")
    pm_type=$(fetch_json "$base/pm-type.html?q=$enc")
    pf_type=$(fetch_json "$base/pf.html?q=$enc&n=8")
    rows+=("$(printf '%-44s %18s %18s' "\"$q\", search page" "$(kb "$(field "$pm_page" bytes)")" "$(kb "$(field "$pf_page" bytes)")")")
    rows+=("$(printf '%-44s %18s %18s' "\"$q\", typing" "$(kb "$(field "$pm_type" bytes)")" "$(kb "$(field "$pf_type" bytes)")")")
    rows+=("$(printf '%-44s %18s %18s' "   files fetched (page / typing)" "$(field "$pm_page" files) / $(field "$pm_type" files)" "$(field "$pf_page" files) / $(field "$pf_type" files)")")
    ks=$(node "$here/bench/search-keystroke.js" "$out" "$q")
    rows+=("$(printf '%-44s %18s %18s' "   ms per keystroke, median / max (Node)" "$(field "$ks" median_ms) / $(field "$ks" max_ms)" '-')")
  done
done
printf '%s\n' "${rows[@]}"
echo
echo "Search page: /search/?q= with 20 results and the facets. Typing: the header box, 8 results,"
echo "the last word matched as a prefix (Pagefind: the same query, 8 results loaded, no filters)."
echo "Bytes per query are Resource Timing encodedBodySize sums over HTTP without compression"
echo "(Pagefind's files are gzip on disk; pmsite's are plain JavaScript), client code included."
echo "Outputs kept in $work"
