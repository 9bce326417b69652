#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the test vectors. Idempotent; never removes anything the
# fuzzer added. Corpora are git-ignored: do not commit them.
#
# Usage: fuzz/seed.sh [TARGET...]   (default: every target)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
vec="$root/tests/vectors"
corpus="$here/corpus"

# Recipient of the throwaway fuzz identity hard-coded in fuzz_targets/decrypt.rs.
FUZZ_RECIPIENT="age1ptpznaacqj072mn784s9muxs6kdpvnugsw9qgxns06dc3rk0jvrs7a3xvp"
MAX_SEED_BYTES=8192

# copy DIR FILE... : copies small files as seed-<name>, keeping existing entries.
copy() {
    local dest="$corpus/$1"
    shift
    mkdir -p "$dest"
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        [ "$(wc -c <"$f")" -le "$MAX_SEED_BYTES" ] || continue
        cp -n "$f" "$dest/seed-$(basename "$f")"
    done
}

# Every Nth file of the YAML emitter cases (about 150 of them).
yaml_cases() {
    find "$vec/yaml/cases" -name '*.in.yaml' -size -4k | sort | awk 'NR % 6 == 1'
}

seed_yaml() {
    copy yaml "$vec"/sops/*.plain.yaml "$vec"/sops/*.enc.yaml $(yaml_cases)
}
seed_json() { copy json "$vec"/sops/*.plain.json "$vec"/sops/*.enc.json "$vec"/sops/*.enc.bin; }
seed_dotenv() { copy dotenv "$vec"/sops/*.plain.env "$vec"/sops/*.enc.env; }
seed_ini() { copy ini "$vec"/sops/*.plain.ini "$vec"/sops/*.enc.ini; }
seed_binary() { copy binary "$vec"/sops/*.plain.bin "$vec"/sops/*.enc.bin; }

seed_envelope() {
    local dest="$corpus/envelope" n=0 line t
    mkdir -p "$dest"
    # `aad\nENC[...]` pairs (AADs are sops key paths such as `db:user:`), plus tree paths.
    while IFS= read -r line; do
        n=$((n + 1))
        printf 'db:user:\n%s' "$line" >"$dest/seed-enc-$n"
    done < <(cat "$vec"/sops/*.enc.yaml "$vec"/sops/*.enc.env 2>/dev/null |
        grep -o 'ENC\[AES256_GCM,[^]]*\]' | sort -u | head -n 40)
    printf '%s' '["a"][0]['"'"'b'"'"']' >"$dest/seed-path-1"
    printf '%s' '["database"]["password"]' >"$dest/seed-path-2"
    printf '%s' '[3][12]["x"]' >"$dest/seed-path-3"
    for t in str int float bool time comment bytes; do
        printf '%s\n%s' "$t" "value-$t" >"$dest/seed-type-$t"
    done
    printf 'int\n-9223372036854775808' >"$dest/seed-type-int-min"
    printf 'float\n1e308' >"$dest/seed-type-float-big"
    printf 'time\n2026-11-22T07:48:44.123456789+01:00' >"$dest/seed-type-time-nano"
}

seed_metadata() {
    local dest="$corpus/metadata" f
    mkdir -p "$dest"
    # dotenv/INI metadata, `sops_` prefix removed, as unflatten receives it.
    for f in "$vec"/sops/*.enc.env; do
        grep '^sops_' "$f" | sed 's/^sops_//' >"$dest/seed-flat-$(basename "$f")" || true
    done
    for f in "$vec"/sops/*.enc.ini; do
        sed -n '/^\[sops\]/,$p' "$f" | sed '1d; s/ *= */=/' >"$dest/seed-flat-$(basename "$f")" || true
    done
    copy metadata "$vec"/sops/*.enc.json "$vec"/sops/*.enc.bin
}

seed_decrypt() {
    copy decrypt "$vec"/sops/*.enc.yaml
    # Files the fixed fuzz identity can open, so the fuzzer reaches value decryption and the
    # MAC check. Needs a sops binary (the reference) or this project's `secrets` binary.
    local enc=""
    if command -v sops >/dev/null 2>&1; then
        enc="sops"
    elif [ -x "$root/target/release/secrets" ]; then
        enc="$root/target/release/secrets"
    elif [ -x "$root/target/debug/secrets" ]; then
        enc="$root/target/debug/secrets"
    else
        echo "seed.sh: no sops/secrets binary; decrypt corpus has no files for the fuzz key" >&2
        return 0
    fi
    local dest="$corpus/decrypt" tmp f name i=0
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' RETURN
    local -a variants=(
        ""
        "--mac-only-encrypted"
        "--encrypted-regex ^(pass|secret|key)"
        "--unencrypted-suffix _plain"
        "--encrypted-comment-regex ^ *secret"
    )
    for f in $(ls "$vec"/sops/*.plain.yaml | grep -v '/rej-' | head -n 24); do
        [ "$(wc -c <"$f")" -le "$MAX_SEED_BYTES" ] || continue
        name="$(basename "$f" .plain.yaml)"
        local opts="${variants[$((i % ${#variants[@]}))]}"
        i=$((i + 1))
        [ -e "$dest/seed-fuzzkey-$name.enc.yaml" ] && continue
        cp "$f" "$tmp/in.yaml"
        # shellcheck disable=SC2086
        if (cd "$tmp" && SOPS_AGE_RECIPIENTS= "$enc" encrypt --age "$FUZZ_RECIPIENT" $opts \
            --input-type yaml --output-type yaml in.yaml >out.yaml 2>/dev/null); then
            cp "$tmp/out.yaml" "$dest/seed-fuzzkey-$name.enc.yaml"
        fi
    done
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(yaml json dotenv ini binary envelope metadata decrypt)
for t in "${targets[@]}"; do
    case "$t" in
    yaml | json | dotenv | ini | binary | envelope | metadata | decrypt) "seed_$t" ;;
    *)
        echo "seed.sh: unknown target $t" >&2
        exit 2
        ;;
    esac
    echo "seeded $t: $(ls "$corpus/$t" | wc -l) files in corpus/$t"
done
