#!/usr/bin/env bash
# Rotation-log benchmark (not a test): `secrets log` over a generated repository with 20
# encrypted files and 1,000 commits, each commit changing one value of one file with
# `secrets set` (which file: a fixed pseudo-random sequence). Timed with hyperfine:
#  1. `secrets log` over the whole history (target: < 2 s);
#  2. `secrets log --decrypt` (every version of every changed file decrypted to confirm);
#  3. `secrets log secrets/f07.yaml` (one file; the walk still diffs every commit).
# Writes bench/log-results.md. Knobs: SECRETS_BIN, RUNS (default 10), COMMITS (default 1000),
# KEEP_TMP=1 (keep the generated repository).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SECRETS_BIN=${SECRETS_BIN:-$ROOT/target/release/secrets}
RUNS=${RUNS:-10}
COMMITS=${COMMITS:-1000}
FILES=20
OUT=$HERE/log-results.md
log() { printf '==> %s\n' "$*" >&2; }
command -v hyperfine >/dev/null || { echo "hyperfine missing (apt-get install hyperfine)" >&2; exit 1; }
command -v age-keygen >/dev/null || { echo "age-keygen missing (apt-get install age)" >&2; exit 1; }
[ -x "$SECRETS_BIN" ] || (cd "$ROOT" && cargo build --release --locked)
WORK=$(mktemp -d)
cleanup() { if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

age-keygen -o "$WORK/key.txt" 2>/dev/null
RECIPIENT=$(age-keygen -y "$WORK/key.txt")
export SOPS_AGE_KEY_FILE=$WORK/key.txt
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.invalid
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.invalid
R=$WORK/repo
mkdir -p "$R/secrets"
cd "$R"
git init -q
git config commit.gpgsign false
printf 'creation_rules:\n  - path_regex: ^secrets/.*\n    age: %s\n' "$RECIPIENT" > .sops.yaml

log "20 encrypted files, 10 values each"
for f in $(seq -w 1 $FILES); do
  {
    printf 'db:\n    user: app%s\n    password: initial-password-%s\n' "$f" "$f"
    for k in $(seq 0 7); do printf 'key_%s: initial-value-%s-%s\n' "$k" "$f" "$k"; done
  } > "secrets/f$f.yaml"
  "$SECRETS_BIN" encrypt -i "secrets/f$f.yaml"
done
BASE=1704067200 # 2024-01-01T00:00:00Z
commit() { # $1 = seconds after BASE, $2 = subject
  GIT_AUTHOR_DATE="@$((BASE + $1)) +0000" GIT_COMMITTER_DATE="@$((BASE + $1)) +0000" \
    git commit -qam "$2"
}
git add -A
commit 0 "add secrets"

log "$COMMITS commits, one value changed in each"
start=$(date +%s)
for i in $(seq 1 "$COMMITS"); do
  f=$(printf '%02d' $(( (i * 7 + i / 20) % FILES + 1 )))
  k=$(( (i * 3) % 8 ))
  "$SECRETS_BIN" set "secrets/f$f.yaml" "[\"key_$k\"]" "\"value-$i\""
  commit $((i * 3600)) "rotate key_$k of f$f ($i)"
done
log "generated in $(( $(date +%s) - start )) s"
entries=$("$SECRETS_BIN" log --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
# 1 rule + 20 × (file created + 10 keys) + 1,000 changes.
expected=$((1 + FILES * 11 + COMMITS))
[ "$entries" -eq "$expected" ] || { echo "expected $expected entries, got $entries" >&2; exit 1; }

log "timing"
hyperfine -N -w 2 -r "$RUNS" --export-json "$WORK/all.json" "$SECRETS_BIN log" >/dev/null
if "$SECRETS_BIN" log --decrypt >/dev/null 2>&1; then
  hyperfine -N -w 1 -r "$RUNS" --export-json "$WORK/decrypt.json" "$SECRETS_BIN log --decrypt" >/dev/null
else
  log "secrets log --decrypt fails (src/cli.rs rewrites it as the legacy 'decrypt'?): not timed"
fi
hyperfine -N -w 2 -r "$RUNS" --export-json "$WORK/one.json" "$SECRETS_BIN log secrets/f07.yaml" >/dev/null
python3 - "$WORK" "$OUT" "$COMMITS" "$entries" <<'PY'
import json, statistics, sys, datetime, os
work, out, commits, entries = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def med(name):
    if not os.path.exists(f"{work}/{name}.json"):
        return float("nan")
    return statistics.median(json.load(open(f"{work}/{name}.json"))["results"][0]["times"]) * 1000
lines = [f"# Rotation-log benchmark ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs)", "",
         f"Repository: 20 encrypted YAML files (10 values each), {commits:,} commits each changing one value",
         f"with `secrets set`; {entries:,} log entries. Made by `bench/log.sh`.", "",
         "| measurement | median | target |", "|---|---:|---:|",
         f"| `secrets log` (whole history) | {med('all'):.0f} ms | < 2000 ms |",
         f"| `secrets log --decrypt` (every changed version decrypted) | {med('decrypt'):.0f} ms | |",
         f"| `secrets log secrets/f07.yaml` (one file) | {med('one'):.0f} ms | |", ""]
open(out, "w").write("\n".join(lines))
print("\n".join(lines))
PY
log "wrote $OUT"
