#!/usr/bin/env bash
# Scanner benchmarks (not tests):
#  1. `secrets scan --staged` with 5 staged files in a generated repository of 10,000 files
#     (hyperfine median, whole process);
#  2. scanning a large real tree (default: the cargo registry sources) with `secrets scan PATH`
#     vs ripgrep searching the same tree for the rule set's regexes (`rg -f`), and gitleaks
#     when installed. Reports MB/s and the ratio. Writes bench/scan-results.md.
#
# Knobs: SECRETS_BIN, TREE (directory to scan), RUNS (default 5).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SECRETS_BIN=${SECRETS_BIN:-$ROOT/target/release/secrets}
TREE=${TREE:-$HOME/.cargo/registry/src}
RUNS=${RUNS:-1}
OUT=$HERE/scan-results.md
log() { printf '==> %s\n' "$*" >&2; }
command -v hyperfine >/dev/null || { echo "hyperfine missing (apt-get install hyperfine)" >&2; exit 1; }
command -v rg >/dev/null || { echo "ripgrep missing (apt-get install ripgrep)" >&2; exit 1; }
[ -x "$SECRETS_BIN" ] || (cd "$ROOT" && cargo build --release --locked)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# --- 1. staged scan in a 10,000-file repository -------------------------------------------
log "building a repository with 10,000 files"
REPO=$WORK/repo
mkdir -p "$REPO"
git -C "$REPO" init -q
python3 - "$REPO" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(100):
    os.makedirs(f"{root}/pkg{d:03}", exist_ok=True)
    for f in range(100):
        with open(f"{root}/pkg{d:03}/mod{f:03}.py", "w") as fh:
            fh.write(f"# module {d}.{f}\n" + "".join(f"def f{i}(x):\n    return x * {i}\n" for i in range(20)))
PY
git -C "$REPO" add -A
git -C "$REPO" -c user.name=b -c user.email=b@b commit -qm init
for i in 1 2 3 4 5; do
  printf 'def g%s():\n    return "hello %s"\n' "$i" "$i" >> "$REPO/pkg00$i/mod00$i.py"
done
git -C "$REPO" add -A
log "timing secrets scan --staged"
(cd "$REPO" && hyperfine -N -w 3 -r 30 --export-json "$WORK/staged.json" "$SECRETS_BIN scan --staged" >/dev/null)
staged_ms=$(python3 -c "import json,statistics;d=json.load(open('$WORK/staged.json'));print(round(statistics.median(d['results'][0]['times'])*1000,1))")

# --- 2. large tree: secrets vs ripgrep (and gitleaks if present) ------------------------------
bytes=$(du -sb "$TREE" | cut -f1)
mb=$(python3 -c "print(round($bytes/1e6,1))")
log "large tree: $TREE ($mb MB)"
# The built-in rule regexes, one per line (single-line rules; rg has no per-rule keywords).
python3 - "$ROOT/crates/scan/rules/builtin.toml" > "$WORK/patterns.txt" <<'PY'
import sys, tomllib
data = tomllib.load(open(sys.argv[1], "rb"))
rules = data.get("rules") or data.get("rule") or []
for r in rules:
    rx = r.get("regex", "")
    if rx and "\n" not in rx and not rx.startswith("(?s"):
        print(rx)
PY
# Keep the patterns rg's parser accepts; the combined set needs larger size limits.
: > "$WORK/rg-patterns.txt"
while IFS= read -r p; do
  rc=0; rg -q -e "$p" /dev/null 2>/dev/null || rc=$?
  if [ "$rc" -le 1 ]; then printf '%s\n' "$p" >> "$WORK/rg-patterns.txt"; fi
done < "$WORK/patterns.txt"
cmds=("$SECRETS_BIN scan --format jsonl --output /dev/null $TREE" "rg -c -f $WORK/rg-patterns.txt --no-messages --regex-size-limit 2G --dfa-size-limit 2G $TREE")
names=("secrets scan" "rg -f (rule regexes)")
if command -v gitleaks >/dev/null; then
  cmds+=("gitleaks dir --no-banner --exit-code 0 --report-path /dev/null $TREE")
  names+=("gitleaks dir")
fi
args=()
for i in "${!cmds[@]}"; do args+=(--command-name "${names[$i]}" "${cmds[$i]}"); done
# rg with ~260 alternated rule regexes is slow (minutes on 150 MB): one run each is enough.
hyperfine -w 0 -r "$RUNS" -i --export-json "$WORK/tree.json" "${args[@]}" >/dev/null
npat=$(wc -l < "$WORK/rg-patterns.txt"); nall=$(wc -l < "$WORK/patterns.txt")
python3 - "$WORK/staged.json" "$WORK/tree.json" "$mb" "$staged_ms" "$OUT" "$npat" "$nall" <<'PY'
import json, statistics, sys, datetime, os
staged, tree, mb, staged_ms, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]
npat, nall = sys.argv[6], sys.argv[7]
res = json.load(open(tree))["results"]
med = {r["command"]: statistics.median(r["times"]) for r in res}
ours = med["secrets scan"]
lines = [f"# Scanner benchmark ({datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs)", "",
         f"* `secrets scan --staged`, 5 staged files, 10,000-file repository: median **{staged_ms} ms** (30 runs)",
         f"* tree: {mb} MB; rg gets {npat} of the {nall} single-line rule regexes (the others use syntax rg rejects)", "", "| tool | median (s) | MB/s | vs secrets |", "|---|---:|---:|---:|"]
for name, t in med.items():
    lines.append(f"| {name} | {t:.2f} | {mb/t:.1f} | {t/ours:.2f}× |")
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
log "wrote $OUT"
