#!/usr/bin/env bash
# Sync benchmarks (not tests), against a real OpenSSH sshd on 127.0.0.1:
#  1. `secrets sync` of 10 SSH targets where nothing changed (each target: connect, verify the
#     pinned host key, read the remote file, compare hashes);
#  2. the same 10 targets where every file changed (a shared source edited before each run:
#     atomic upload, .prev, restart command);
#  3. `secrets render` of a 1,000-key file (whole process: decrypt + render).
# Writes bench/sync-results.md. Knobs: SECRETS_BIN, RUNS (default 10).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SECRETS_BIN=${SECRETS_BIN:-$ROOT/target/release/secrets}
RUNS=${RUNS:-10}
OUT=$HERE/sync-results.md
log() { printf '==> %s\n' "$*" >&2; }
command -v hyperfine >/dev/null || { echo "hyperfine missing (apt-get install hyperfine)" >&2; exit 1; }
[ -x /usr/sbin/sshd ] || { echo "sshd missing (apt-get install openssh-server)" >&2; exit 1; }
[ -x "$SECRETS_BIN" ] || (cd "$ROOT" && cargo build --release --locked)
WORK=$(mktemp -d)
cleanup() { [ -f "$WORK/sshd.pid" ] && kill "$(cat "$WORK/sshd.pid")" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

log "starting sshd on 127.0.0.1"
mkdir -p /run/sshd 2>/dev/null || true
ssh-keygen -q -t ed25519 -N '' -f "$WORK/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/client_key"
cp "$WORK/client_key.pub" "$WORK/authorized_keys"
# The deploy user: as root, a dedicated user with a plain /bin/sh, so the numbers measure
# secrets and sshd rather than a login shell's rc files (root's .bashrc here runs `pyenv init`,
# ~160 ms per remote command).
DEPLOY_USER=$(id -un)
if [ "$(id -u)" = 0 ]; then
  DEPLOY_USER=secrets-bench
  id "$DEPLOY_USER" >/dev/null 2>&1 || useradd -M -s /bin/sh "$DEPLOY_USER"
  usermod -p "*" "$DEPLOY_USER"  # no password, but not "locked" (sshd refuses locked accounts)
  chmod 755 "$WORK"
  chmod 644 "$WORK/authorized_keys"
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$WORK/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $PORT
HostKey $WORK/host_key
AuthorizedKeysFile $WORK/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
StrictModes no
UsePAM no
PidFile $WORK/sshd.pid
Subsystem sftp internal-sftp
PermitRootLogin prohibit-password
LogLevel ERROR
MaxStartups 100
CFG
/usr/sbin/sshd -f "$WORK/sshd_config" -E "$WORK/sshd.log"
for _ in $(seq 50); do [ -f "$WORK/sshd.pid" ] && break; sleep 0.1; done

log "project with 10 targets"
P=$WORK/project
mkdir -p "$P/secrets" "$WORK/srv"
cd "$P"
age-keygen -o "$WORK/key.txt" 2>/dev/null
RECIPIENT=$(age-keygen -y "$WORK/key.txt")
export SOPS_AGE_KEY_FILE=$WORK/key.txt SECRETS_SSH_KEY=$WORK/client_key
printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$WORK/host_key.pub")" > "$P/secrets/known_hosts"
python3 - "$P/secrets/shared.sops.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(20):
        f.write(f"SHARED_{i}: value-{i}-abcdefghijklmnop\n")
PY
"$SECRETS_BIN" encrypt --age "$RECIPIENT" -i "$P/secrets/shared.sops.yaml"
{
  printf 'defaults:\n  host: 127.0.0.1\n  port: %s\n  user: %s\n  restart: "true"\ntargets:\n' "$PORT" "$DEPLOY_USER"
  for i in $(seq -w 1 10); do
    mkdir -p "$WORK/srv/t$i"
    printf '  t%s:\n    sources: [secrets/shared.sops.yaml]\n    path: %s/srv/t%s/.env\n' "$i" "$WORK" "$i"
  done
  python3 -c "print('  big:\n    command: \"cat > /dev/null; : {key}\"\n    sources: [secrets/big.sops.yaml]')"
} > "$P/secrets/targets.yaml"
python3 - "$P/secrets/big.sops.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(1000):
        f.write(f"KEY_{i:04}: 'value {i} with spaces #and $dollars'\n")
PY
"$SECRETS_BIN" encrypt --age "$RECIPIENT" -i "$P/secrets/big.sops.yaml"
[ "$DEPLOY_USER" = "$(id -un)" ] || chown -R "$DEPLOY_USER" "$WORK/srv"
targets=$(printf 't%s ' $(seq -w 1 10))
(cd "$P" && "$SECRETS_BIN" sync $targets >/dev/null)

log "timing"
cd "$P"
hyperfine -N -w 2 -r "$RUNS" --export-json "$WORK/unchanged.json" "$SECRETS_BIN sync $targets" >/dev/null
hyperfine -w 1 -r "$RUNS" --export-json "$WORK/changed.json" \
  --prepare "$SECRETS_BIN set secrets/shared.sops.yaml '[\"SHARED_0\"]' \"\\\"v-\$(date +%s%N)\\\"\"" \
  "$SECRETS_BIN sync $targets" >/dev/null
# Every timed run above must have rewritten all 10 files.
prev_count=$(ls "$WORK"/srv/t*/.env.prev | wc -l)
[ "$prev_count" -eq 10 ] || { echo "expected 10 rewritten files, found $prev_count" >&2; exit 1; }
grep -q "SHARED_0=v-[0-9]" "$WORK/srv/t01/.env" || { echo "the changed value did not arrive" >&2; exit 1; }
hyperfine -N -w 3 -r "$((RUNS * 3))" --export-json "$WORK/render.json" "$SECRETS_BIN render big" >/dev/null
python3 - "$WORK" "$OUT" "$RUNS" <<'PY'
import json, statistics, sys, datetime, os
work, out, runs = sys.argv[1], sys.argv[2], sys.argv[3]
def med(name):
    return statistics.median(json.load(open(f"{work}/{name}.json"))["results"][0]["times"]) * 1000
lines = [f"# Sync benchmark ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, sshd on loopback)", "",
         "| measurement | median | target |", "|---|---:|---:|",
         f"| `secrets sync`, 10 SSH targets, nothing changed | {med('unchanged'):.0f} ms | < 1000 ms |",
         f"| `secrets sync`, 10 SSH targets, all changed (upload, .prev, restart) | {med('changed'):.0f} ms | < 3000 ms |",
         f"| `secrets render`, 1,000 keys (whole process: decrypt + render) | {med('render'):.1f} ms | < 10 ms |", ""]
open(out, "w").write("\n".join(lines))
print("\n".join(lines))
PY
log "wrote $OUT"
