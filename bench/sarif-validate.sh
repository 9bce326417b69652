#!/usr/bin/env bash
# Validates `secrets scan --format sarif` with Microsoft's SARIF Multitool (the SARIF SDK's
# validator: JSON schema plus the SARIF and GitHub code-scanning rule sets). Not a test: the
# validator is a 70 MB .NET download from npm. Usage: bench/sarif-validate.sh [DIR-TO-SCAN]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
SECRETS_BIN=${SECRETS_BIN:-$ROOT/target/release/secrets}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
[ -x "$SECRETS_BIN" ] || (cd "$ROOT" && cargo build --release --locked)
(cd "$WORK" && npm pack --silent @microsoft/sarif-multitool-linux@5.7.0 >/dev/null && tar xzf ./*.tgz)
TOOL=$WORK/package/Sarif.Multitool
chmod +x "$TOOL"
if [ $# -gt 0 ]; then
    DIR=$1
else
    # A tree with a token, a protected plaintext file and a path that needs encoding.
    DIR=$WORK/tree
    mkdir -p "$DIR/with space"
    printf 'TOKEN=ghp_%s\n' "$(printf 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8' )" >"$DIR/with space/.env"
    printf 'jwt: %s\n' "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFsaWNlIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk8" >"$DIR/app.yaml"
fi
"$SECRETS_BIN" scan --format sarif --output "$WORK/out.sarif" "$DIR" || [ $? -eq 1 ]
DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 "$TOOL" validate "$WORK/out.sarif" \
    --rule-kind "Sarif;Gh" --level "Error;Warning;Note" -o "$WORK/validation.sarif" >/dev/null
python3 - "$WORK/validation.sarif" <<'PY'
import collections, json, sys
results = json.load(open(sys.argv[1]))["runs"][0].get("results", [])
levels = collections.Counter(r.get("level", "warning") for r in results)
for r in results:
    print(f'{r.get("level", "warning")}: {r["ruleId"]}: {r["message"].get("arguments", [""])[0]}')
print(f'errors={levels["error"]} warnings={levels["warning"]} notes={levels["note"]}')
sys.exit(1 if levels["error"] or levels["warning"] else 0)
PY
