#!/usr/bin/env bash
# Times the git history pass (src/history.rs) on a synthetic repository:
# 10,000 commits over 2,000 postmortems in a `kb/` subfolder of a monorepo, with
# edits, renames (some with an edit) and commits outside the knowledge base.
#
#   bench/git-history.sh [WORKDIR]      (default: a temporary folder, removed after)
#
# The repository is written with `git fast-import` in a few seconds and timed packed two
# ways (see below). The pass is run by `examples/git_history.rs` (release), best of 5,
# and two files are compared with `git log`.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
[ -z "${1:-}" ] && trap 'rm -rf "$work"' EXIT
repo=$work/repo
rm -rf "$repo" && git init -q -b main "$repo"

FILES=2000 COMMITS=10000
RANDOM=42                   # bash's generator is deterministic once seeded
declare -a name revs
t=1500000000

emit_file() { # $1 = file index: the full text of its current revision
  local i=$1 n=${revs[$1]} j
  printf -- '---\ntitle: Incident %d\ndate: 2020-01-01\nseverity: SEV3\nservices: [svc-%d]\n---\n\n## Summary\n\nWhat happened to service %d.\n' "$i" $((i % 50)) $((i % 50))
  for ((j = 0; j < n; j++)); do printf 'Revision %d of incident %d adds this line.\n' "$j" "$i"; done
}

commit_header() { # $1 = message
  t=$((t + 3600))
  printf 'commit refs/heads/main\ncommitter Bench <bench@example.com> %d +0000\ndata <<EOM\n%s\nEOM\n' "$t" "$1"
}

{
  for ((c = 0; c < COMMITS; c++)); do
    if ((c < FILES)); then
      i=$c; name[i]="kb/content/$((2015 + i % 10))/incident-$i.md"; revs[i]=0
      commit_header "add incident $i"
      printf 'M 100644 inline %s\ndata <<EOD\n' "${name[i]}"; emit_file "$i"; printf 'EOD\n'
      continue
    fi
    r=$((RANDOM % 100)); i=$((RANDOM % FILES))
    if ((r < 25)); then
      commit_header "code change $c"
      printf 'M 100644 inline src/file-%d.txt\ndata <<EOD\ncode %d\nEOD\n' $((c % 300)) "$c"
    elif ((r < 30)); then
      new="kb/content/$((2015 + RANDOM % 10))/renamed-$c.md"
      commit_header "rename incident $i"
      if ((r < 28)); then
        printf 'R %s %s\n' "${name[i]}" "$new"
      else # rename with an edit: followed by similarity
        revs[i]=$((revs[i] + 1))
        printf 'D %s\nM 100644 inline %s\ndata <<EOD\n' "${name[i]}" "$new"; emit_file "$i"; printf 'EOD\n'
      fi
      name[i]=$new
    else
      revs[i]=$((revs[i] + 1))
      commit_header "edit incident $i"
      printf 'M 100644 inline %s\ndata <<EOD\n' "${name[i]}"; emit_file "$i"; printf 'EOD\n'
    fi
  done
} > "$work/stream"   # a group, not a pipeline: \`name\` must survive for the sample below
git -C "$repo" fast-import --quiet < "$work/stream"
git -C "$repo" checkout -q main
echo "repository: $(git -C "$repo" rev-list --count HEAD) commits, $(git -C "$repo" ls-files kb | wc -l) postmortems"

# Files to compare with git: one never renamed, one renamed (the last of the run).
sample=(content/2015/incident-0.md)
for ((i = FILES - 1; i >= 0; i--)); do
  if [[ ${name[i]} == *renamed* ]]; then sample+=("${name[i]#kb/}"); break; fi
done
cargo build -q --release --example git_history

# 1. Packed as fast-import wrote it (`git gc` keeps its deltas): each version of a tree
#    is a delta of the previous one, so chains point to older objects and a newest-first
#    walk resolves long chains. The worst case.
git -C "$repo" gc -q
echo "== packed by fast-import + git gc ($(du -sh "$repo/.git" | cut -f1))"
./target/release/examples/git_history "$repo/kb" "${sample[@]}"

# 2. Repacked with a fresh delta search, as a server does before serving a clone.
git -C "$repo" repack -adf -q
echo "== repacked with git repack -adf ($(du -sh "$repo/.git" | cut -f1))"
./target/release/examples/git_history "$repo/kb" "${sample[@]}"

# git's answers for the same files. At a file's first commit `--follow` also follows
# "copies" from the look-alike files added before it (so it counts a few more commits for
# the renamed one); the never-renamed one is asked without --follow.
echo "git log ${sample[0]}: $(git -C "$repo/kb" log --no-merges --format=%H -- "${sample[0]}" | wc -l) revisions"
echo "git log --follow ${sample[1]}: $(git -C "$repo/kb" log --follow --no-merges --format=%H -- "${sample[1]}" | wc -l) revisions"
