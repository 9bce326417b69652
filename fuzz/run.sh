#!/usr/bin/env bash
# Seeds the corpus, then fuzzes one target for a fixed time.
#
# Usage: fuzz/run.sh TARGET SECONDS [extra libFuzzer flags...]
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 TARGET SECONDS [libFuzzer flags...]" >&2
    exit 2
fi
target="$1"
seconds="$2"
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
"$here/seed.sh" "$target"
cd "$here"
# Dictionary: the shared sops tokens plus the target's own (dicts/<target>.dict, if any).
dict="$(mktemp "${TMPDIR:-/tmp}/fuzz-$target.XXXXXX.dict")"
trap 'rm -f "$dict"' EXIT
cat dicts/sops.dict >"$dict"
if [ -f "dicts/$target.dict" ]; then
    cat "dicts/$target.dict" >>"$dict"
fi
case "$target" in
binary) cat dicts/json.dict >>"$dict" ;; # encrypted binary files are JSON
decrypt) cat dicts/yaml.dict >>"$dict" ;;
esac
cargo +nightly fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 \
    -dict="$dict" "$@"
