#!/usr/bin/env python3
"""Source of the corpus inputs: writes cases/NNN-name.in.yaml (byte exact).

The .in.yaml files are the source of truth; this script only exists so the inputs can be
reviewed in one place and recreated. It refuses to overwrite an existing input whose
bytes differ unless --force is given. Numbers are assigned in list order.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")

C = []  # (name, text)


def case(name, text):
    C.append((name, text))


# ---------------------------------------------------------------------------
# A. Top-level head comments, blank lines, empty comments
# ---------------------------------------------------------------------------
case("top-head-first-key", "# c\na: 1\nb: 2\n")
case("top-head-second-key", "a: 1\n# c\nb: 2\n")
case("top-head-two-lines", "a: 1\n# c1\n# c2\nb: 2\n")
case("top-doc-head-blank-after", "# c\n\na: 1\nb: 2\n")
case("top-doc-head-two-blocks", "# c1\n\n# c2\na: 1\n")
case("top-head-blank-before", "a: 1\n\n# c\nb: 2\n")
case("top-head-blank-after", "a: 1\n# c\n\nb: 2\n")
case("top-head-blank-both", "a: 1\n\n# c\n\nb: 2\n")
case("top-straddle-blank", "a: 1\n# c1\n\n# c2\nb: 2\n")
case("top-straddle-blank-3", "a: 1\n# c1\n\n# c2\n\n# c3\nb: 2\n")
case("top-comment-indented-after-scalar", "a: 1\n  # c\nb: 2\n")
case("top-comment-indented-blank-before", "a: 1\n\n  # c\nb: 2\n")
case("top-empty-comment", "a: 1\n#\nb: 2\n")
case("top-empty-comment-first", "#\na: 1\n")
case("top-empty-comment-last", "a: 1\n#\n")
case("comment-no-space", "#c\na: 1\n")
case("comment-double-hash", "## c\na: 1\n#### d\nb: 2\n")
case("comment-trailing-spaces", "# c   \na: 1 # d  \n")
case("comment-tab-after-hash", "#\tc\na: 1\n")
case("comment-unicode", "# caf\u00e9 \U0001F600 \u4e2d\na: 1\n")
case("comment-special-text", "# key: value, [x] {y} 'q' \"d\" & * ! | >\na: 1\n")
case("comment-fake-enc", "# ENC[AES256_GCM,data:AAAA,iv:AAAA,tag:AAAA,type:comment]\na: 1\n")
case("comment-long", "# " + "x" * 300 + "\na: 1\n")
case("comment-shebang", "#!/usr/bin/env sops\na: 1\n")
case("hash-inside-value-not-comment", "a: 1#c\nb: x#y\nc: 'q' #real\n")
case("line-comment-tab-before", "a: 1\t# c\nb: 2\n")

# ---------------------------------------------------------------------------
# B. Line comments
# ---------------------------------------------------------------------------
case("line-top-scalar", "a: 1 # c\nb: 2\n")
case("line-top-scalar-last", "a: 1\nb: 2 # c\n")
case("line-then-head", "a: 1 # c\n# d\nb: 2\n")
case("line-no-space", "a: 1 #c\n")
case("line-nested-scalar", "a:\n  b: 1 # c\n  d: 2\n")
case("line-nested-scalar-last", "a:\n  b: 1 # c\nz: 1\n")
case("line-key-opens-map", "a: # c\n  b: 1\n")
case("line-key-opens-list", "a: # c\n  - x\n")
case("line-key-opens-indentless-list", "a: # c\n- x\n- y\n")
case("line-key-opens-map-depth2", "a:\n  b: # c\n    c: 1\n")
case("line-key-opens-list-depth3", "a:\n  b:\n    c: # c\n      - 1\n")
case("line-key-opens-map-plus-head", "a: # c\n  # d\n  b: 1\n")
case("line-key-null-value", "a: # c\nb: 1\n")
case("line-key-null-value-nested", "a:\n  b: # c\n  d: 1\n")
case("line-quoted-value", "a: \"x\" # c\nb: 'y' # d\n")
case("line-flow-seq", "a: [1, 2] # c\nb: 1\n")
case("line-flow-map", "a: {x: 1} # c\nb: 1\n")
case("line-empty-flow", "a: [] # c\nb: {} # d\n")
case("line-block-scalar-header", "a: | # c\n  text\nb: 1\n")
case("line-anchor-alias", "a: &x 1 # c\nb: *x # d\n")
case("line-alias-of-map", "a: &m\n  x: 1\nb: *m # c\n")
case("line-anchor-on-map", "a: &m # c\n  x: 1\nb: 1\n")
case("line-list-scalar-item", "l:\n  - x # c\n  - y\n")
case("line-list-last-item", "l:\n  - x\n  - y # c\nz: 1\n")
case("line-list-every-item", "l:\n  - x # c1\n  - y # c2\n  - z # c3\n")
case("line-list-map-first-key", "l:\n  - k: v # c\n    k2: v2\n")
case("line-list-map-second-key", "l:\n  - k: v\n    k2: v2 # c\n")
case("line-list-map-both-keys", "l:\n  - k: v # c1\n    k2: v2 # c2\n  - k: w # c3\n")
case("line-list-map-second-item", "l:\n  - k: 1\n  - k: 2 # c\n")
case("line-list-map-single-key-items", "l:\n  - a: 1 # c1\n  - b: 2 # c2\nz: 1\n")
case("line-list-map-first-key-opens-map", "l:\n  - k: # c\n      x: 1\n    k2: 2\n")
case("line-list-map-first-key-opens-list", "l:\n  - k: # c\n      - x\n    k2: 2\n")
case("line-list-nested-list", "l:\n  - - x # c\n    - y\n")
case("line-dash-opens-map", "l:\n  - # c\n    k: v\n")
case("line-dash-opens-list", "l:\n  - # c\n    - x\n")
case("line-dash-empty-item", "l:\n  - # c\n  - x\n")
case("line-indentless-items", "l:\n- x # c1\n- y # c2\n")
case("line-doc-start", "--- # c\na: 1\n")
case("line-on-complex-key", "? a # c\n: 1\n")

# ---------------------------------------------------------------------------
# C. Head comments inside nested maps and lists
# ---------------------------------------------------------------------------
case("head-nested-first", "a:\n  # c\n  b: 1\n")
case("head-nested-second", "a:\n  b: 1\n  # c\n  d: 2\n")
case("head-nested-depth2-first", "a:\n  b:\n    # c\n    c: 1\n")
case("head-nested-depth2-second", "a:\n  b:\n    c: 1\n    # c\n    d: 2\n")
case("head-nested-depth3-first", "a:\n  b:\n    c:\n      # c\n      d: 1\n")
case("head-nested-every-depth", "# h0\na:\n  # h1\n  b:\n    # h2\n    c:\n      # h3\n      d: 1\n")
case("head-list-first-item", "l:\n  # c\n  - x\n")
case("head-list-second-item", "l:\n  - x\n  # c\n  - y\n")
case("head-list-two-lines-between", "l:\n  - x\n  # c1\n  # c2\n  - y\n")
case("head-list-blank-between", "l:\n  - x\n\n  # c\n\n  - y\n")
case("head-list-map-items", "l:\n  - a: 1\n  # c\n  - a: 2\n")
case("head-list-map-second-key", "l:\n  - a: 1\n    # c\n    b: 2\n")
case("head-list-map-first-item", "l:\n  # c\n  - a: 1\n    b: 2\n")
case("head-indentless-first", "l:\n# c\n- x\n- y\n")
case("head-indentless-between", "l:\n- x\n# c\n- y\n")
case("head-indentless-between-indented", "l:\n- x\n  # c\n- y\n")
case("head-list-between-col0", "l:\n  - x\n# c\n  - y\n")
case("head-list-between-col1", "l:\n  - x\n # c\n  - y\n")
case("head-list-between-deeper", "l:\n  - x\n      # c\n  - y\n")
case("head-map-between-col0", "a:\n  b: 1\n# c\n  d: 2\n")
case("head-map-between-col1", "a:\n  b: 1\n # c\n  d: 2\n")
case("head-map-between-deeper", "a:\n  b: 1\n      # c\n  d: 2\n")
case("head-list-of-lists", "l:\n  # c0\n  - - x\n    # c1\n    - y\n  # c2\n  - - z\n")

# ---------------------------------------------------------------------------
# D. Comments between a key and its nested block
# ---------------------------------------------------------------------------
case("between-key-map-col0", "key:\n# c\n  a: 1\n")
case("between-key-map-col1", "key:\n # c\n  a: 1\n")
case("between-key-map-same-col", "key:\n  # c\n  a: 1\n")
case("between-key-map-deeper", "key:\n    # c\n  a: 1\n")
case("between-key-map-blank-before", "key:\n\n  # c\n  a: 1\n")
case("between-key-map-blank-after", "key:\n  # c\n\n  a: 1\n")
case("between-key-map-col0-blank-after", "key:\n# c\n\n  a: 1\n")
case("between-key-list-col0", "key:\n# c\n  - a\n")
case("between-key-list-same-col", "key:\n  # c\n  - a\n")
case("between-key-list-deeper", "key:\n    # c\n  - a\n")
case("between-key-indentless-list-col0", "key:\n# c\n- a\n")
case("between-key-map-depth2-col0", "a:\n  key:\n# c\n    b: 1\n")
case("between-key-map-depth2-col2", "a:\n  key:\n  # c\n    b: 1\n")
case("between-key-map-depth2-col4", "a:\n  key:\n    # c\n    b: 1\n")
case("between-dash-and-map", "l:\n  -\n    # c\n    k: v\n")
case("between-key-in-list-item", "l:\n  - k:\n      # c\n      x: 1\n")
case("between-key-in-list-item-col4", "l:\n  - k:\n    # c\n      x: 1\n")

# ---------------------------------------------------------------------------
# E. Foot comments after a nested map
# ---------------------------------------------------------------------------
case("foot-map-inner", "a:\n  b: 1\n  # c\nz: 2\n")
case("foot-map-outer", "a:\n  b: 1\n# c\nz: 2\n")
case("foot-map-col1", "a:\n  b: 1\n # c\nz: 2\n")
case("foot-map-deeper", "a:\n  b: 1\n    # c\nz: 2\n")
case("foot-map-inner-blank-before", "a:\n  b: 1\n\n  # c\nz: 2\n")
case("foot-map-inner-blank-after", "a:\n  b: 1\n  # c\n\nz: 2\n")
case("foot-map-inner-blank-both", "a:\n  b: 1\n\n  # c\n\nz: 2\n")
case("foot-map-outer-blank-before", "a:\n  b: 1\n\n# c\nz: 2\n")
case("foot-map-outer-blank-after", "a:\n  b: 1\n# c\n\nz: 2\n")
case("foot-map-outer-blank-both", "a:\n  b: 1\n\n# c\n\nz: 2\n")
case("foot-map-inner-eof", "a:\n  b: 1\n  # c\n")
case("foot-map-outer-eof", "a:\n  b: 1\n# c\n")
case("foot-map-inner-blank-eof", "a:\n  b: 1\n\n  # c\n")
case("foot-map-outer-blank-eof", "a:\n  b: 1\n\n# c\n")
case("foot-map-inner-then-outer", "a:\n  b: 1\n  # c1\n# c2\nz: 2\n")
case("foot-map-outer-then-inner", "a:\n  b: 1\n# c1\n  # c2\nz: 2\n")
case("foot-map-inner-straddle", "a:\n  b: 1\n  # c1\n\n  # c2\nz: 2\n")
case("foot-map-inner-blank-outer", "a:\n  b: 1\n  # c1\n\n# c2\nz: 2\n")
case("foot-map-two-keys-inner", "a:\n  b: 1\n  d: 2\n  # c\nz: 2\n")
case("foot-map-after-line-comment", "a:\n  b: 1 # l\n  # c\nz: 2\n")
case("foot-map-depth2-inner", "a:\n  b:\n    c: 1\n    # c\n  d: 2\n")
case("foot-map-depth2-mid", "a:\n  b:\n    c: 1\n  # c\n  d: 2\n")
case("foot-map-depth2-col3", "a:\n  b:\n    c: 1\n   # c\n  d: 2\n")
case("foot-map-depth2-col0", "a:\n  b:\n    c: 1\n# c\n  d: 2\n")
case("foot-map-depth2-inner-eof-of-parent", "a:\n  b:\n    c: 1\n    # c\nz: 1\n")
case("foot-map-depth2-mid-eof-of-parent", "a:\n  b:\n    c: 1\n  # c\nz: 1\n")

# ---------------------------------------------------------------------------
# F. Foot comments after a nested list
# ---------------------------------------------------------------------------
case("foot-list-inner", "a:\n  - x\n  # c\nz: 2\n")
case("foot-list-outer", "a:\n  - x\n# c\nz: 2\n")
case("foot-list-col1", "a:\n  - x\n # c\nz: 2\n")
case("foot-list-deeper", "a:\n  - x\n    # c\nz: 2\n")
case("foot-list-inner-blank-before", "a:\n  - x\n\n  # c\nz: 2\n")
case("foot-list-inner-blank-after", "a:\n  - x\n  # c\n\nz: 2\n")
case("foot-list-outer-blank-before", "a:\n  - x\n\n# c\nz: 2\n")
case("foot-list-outer-blank-after", "a:\n  - x\n# c\n\nz: 2\n")
case("foot-list-outer-blank-both", "a:\n  - x\n\n# c\n\nz: 2\n")
case("foot-list-inner-eof", "a:\n  - x\n  # c\n")
case("foot-list-outer-eof", "a:\n  - x\n# c\n")
case("foot-list-inner-then-outer", "a:\n  - x\n  # c1\n# c2\nz: 2\n")
case("foot-list-inner-straddle", "a:\n  - x\n  # c1\n\n  # c2\nz: 2\n")
case("foot-indentless-list-col0", "a:\n- x\n# c\nz: 2\n")
case("foot-indentless-list-col2", "a:\n- x\n  # c\nz: 2\n")
case("foot-indentless-list-blank-before", "a:\n- x\n\n# c\nz: 2\n")
case("foot-list-depth2-inner", "a:\n  b:\n    - x\n    # c\n  d: 2\n")
case("foot-list-depth2-mid", "a:\n  b:\n    - x\n  # c\n  d: 2\n")
case("foot-list-depth2-col0", "a:\n  b:\n    - x\n# c\n  d: 2\n")
case("foot-list-of-maps-inner", "l:\n  - a: 1\n    b: 2\n  # c\nz: 1\n")
case("foot-list-of-maps-item-col", "l:\n  - a: 1\n    b: 2\n    # c\nz: 1\n")
case("foot-list-of-maps-outer", "l:\n  - a: 1\n    b: 2\n# c\nz: 1\n")
case("foot-nested-list-in-list", "l:\n  - - x\n    - y\n    # c\n  - z\n")
case("foot-nested-list-in-list-last", "l:\n  - - x\n    - y\n    # c\nz: 1\n")

# ---------------------------------------------------------------------------
# G. Lists of maps containing nested blocks (comments after the nested block)
# ---------------------------------------------------------------------------
LM = "l:\n  - name: x\n    items:\n      - 1\n      - 2\n%s  - name: y\n"
case("lm-list-after-items-col6", LM % "      # c\n")
case("lm-list-after-items-col4", LM % "    # c\n")
case("lm-list-after-items-col2", LM % "  # c\n")
case("lm-list-after-items-col0", LM % "# c\n")
case("lm-list-after-items-col4-blank", LM % "\n    # c\n")
LM2 = "l:\n  - name: x\n    cfg:\n      a: 1\n%s  - name: y\n"
case("lm-map-after-cfg-col6", LM2 % "      # c\n")
case("lm-map-after-cfg-col4", LM2 % "    # c\n")
case("lm-map-after-cfg-col2", LM2 % "  # c\n")
case("lm-map-after-cfg-col0", LM2 % "# c\n")
LM3 = "l:\n  - name: x\n    items:\n      - 1\n%sz: 1\n"
case("lm-last-after-items-col6", LM3 % "      # c\n")
case("lm-last-after-items-col4", LM3 % "    # c\n")
case("lm-last-after-items-col2", LM3 % "  # c\n")
case("lm-last-after-items-col0", LM3 % "# c\n")
case("lm-last-after-items-col4-eof", "l:\n  - name: x\n    items:\n      - 1\n    # c\n")
case("lm-map-then-key-after-block", "l:\n  - name: x\n    items:\n      - 1\n    # c\n    more: 2\n")
case("lm-list-item-nested-map-of-list",
     "l:\n  - a:\n      b:\n        - 1\n        # c3\n      # c2\n    # c1\n  # c0\nz: 1\n")
case("lm-comments-everywhere",
     "# top\nservers: # s\n  # h\n  - name: a # n\n    # before port\n    port: 1 # p\n    tags: # t\n      - x # x\n      # after x\n    # after tags\n  # between\n  - name: b\n# end\n")
case("lm-indentless-list-of-maps", "l:\n- a: 1\n  # c\n  b: 2\n- a: 3\n# f\nz: 1\n")

# ---------------------------------------------------------------------------
# H. Deep nesting (4 levels) with foot comments at each level
# ---------------------------------------------------------------------------
D4 = "a:\n  b:\n    c:\n      d: 1\n%sz: 1\n"
case("deep4-foot-all", D4 % "      # f3\n    # f2\n  # f1\n# f0\n")
case("deep4-foot-col6", D4 % "      # f\n")
case("deep4-foot-col4", D4 % "    # f\n")
case("deep4-foot-col2", D4 % "  # f\n")
case("deep4-foot-col4-blank-before", D4 % "\n    # f\n")
case("deep4-foot-all-blank-between", D4 % "      # f3\n\n    # f2\n\n  # f1\n\n# f0\n")
case("deep4-foot-reverse-order", D4 % "# f0\n  # f1\n    # f2\n      # f3\n")
case("deep4-foot-eof", "a:\n  b:\n    c:\n      d: 1\n      # f3\n    # f2\n  # f1\n# f0\n")
case("deep4-lists-foot-all",
     "a:\n  - b:\n      - c:\n          - d\n          # f3\n        # f2\n      # f1\n  # f0\nz: 1\n")
case("deep4-mixed-head-all",
     "# h0\na:\n  # h1\n  - # h2\n    b:\n      # h3\n      - c: 1 # l4\n")

# ---------------------------------------------------------------------------
# I. Documents and multi-document files
# ---------------------------------------------------------------------------
case("doc-comment-before-start", "# c\n---\na: 1\n")
case("doc-comment-after-start", "---\n# c\na: 1\n")
case("doc-comment-before-and-after-start", "# c1\n---\n# c2\na: 1\n")
case("doc-comment-end", "a: 1\n# end\n")
case("doc-comment-end-blank-before", "a: 1\n\n# end\n")
case("doc-comment-end-two-blocks", "a: 1\n# e1\n\n# e2\n")
case("doc-comment-end-before-dots", "a: 1\n# end\n...\n")
case("doc-comment-after-dots", "a: 1\n...\n# after\n")
case("doc-comment-only", "# only a comment\n")
case("doc-start-only-comment", "---\n# c\n")
case("multi-comment-before-sep", "a: 1\n# c\n---\nb: 2\n")
case("multi-comment-after-sep", "a: 1\n---\n# c\nb: 2\n")
case("multi-comment-on-sep", "a: 1\n--- # c\nb: 2\n")
case("multi-comments-everywhere", "# c0\na: 1\n# c1\n---\n# c2\nb: 2\n# c3\n")
case("multi-nested-foot-before-sep", "a:\n  b: 1\n  # c\n---\nz: 1\n")
case("multi-list-foot-before-sep", "a:\n  - x\n# c\n---\nz: 1\n")

# ---------------------------------------------------------------------------
# J. Flow collections, block scalars, aliases with comments
# ---------------------------------------------------------------------------
case("flow-seq-inner-line", "a: [1, # c\n  2]\n")
case("flow-seq-multiline", "a: [\n  1, # c1\n  2 # c2\n]\n")
case("flow-seq-head-inside", "a: [\n  # c\n  1\n]\n")
case("flow-map-multiline", "a: {\n  x: 1, # c1\n  y: 2\n}\n")
case("flow-then-comment", "a: [1, 2]\n# c\nb: 1\n")
case("flow-map-then-comment-indented", "a: {x: 1}\n  # c\nb: 1\n")
case("block-lit-then-comment-col0", "a: |\n  text\n# c\nb: 1\n")
case("block-lit-hash-inside", "a: |\n  text\n  # not a comment\nb: 1\n")
case("block-lit-then-comment-col1", "a: |\n  text\n # c\nb: 1\n")
case("block-lit-blank-then-comment", "a: |\n  text\n\n# c\nb: 1\n")
case("block-folded-then-comment-eof", "a: >\n  text\n# c\n")
case("block-lit-in-list-then-comment", "l:\n  - |\n    text\n  # c\n  - y\n")
case("block-lit-nested-then-comment", "a:\n  b: |\n    t\n  # c\n  d: 1\n")
case("block-lit-keep-then-comment", "a: |+\n  t\n\n# c\nb: 1\n")
case("alias-then-comment", "a: &x 1\nb: *x\n# c\nc: 2\n")
case("alias-map-with-inner-comments", "a: &m\n  # h\n  x: 1 # l\n  # f\nb: *m\n")
case("alias-list-with-inner-comments", "a: &l\n  - x # c\n  # f\nb: *l\nc: 1\n")
case("alias-head-comment", "a: &x 1\n# c\nb: *x # d\n")
case("merge-with-comments", "base: &b\n  x: 1 # c\nd:\n  # h\n  <<: *b # m\n  y: 2\n")

# ---------------------------------------------------------------------------
# K. Comments inside lists: nested lists, empty comments, _unencrypted
# ---------------------------------------------------------------------------
case("list-comments-all-positions", "l:\n  # h\n  - a # l1\n  # between\n  - b # l2\n  # foot\nz: 1\n")
case("list-nested-dash-line", "l:\n  - - x\n    # c\n    - y\n")
case("list-nested-foot-inner", "l:\n  - - x\n    - y\n    # c\n  - z\n")
case("list-empty-comment-between", "l:\n  - a\n  #\n  - b\n")
case("list-empty-comment-foot", "l:\n  - a\n  #\nz: 1\n")
case("list-empty-comment-head", "l:\n  #\n  - a\n")
case("map-empty-comment-nested", "a:\n  #\n  b: 1\n  #\n")
case("list-comment-only-null-value", "l:\n  # c\nz: 1\n")
case("list-empty-flow-then-comment", "l: []\n# c\nz: 1\n")
case("unenc-list-comments", "l_unencrypted:\n  # h\n  - x # l\n  # b\n  - y\n  # f\n")
case("unenc-list-empty-comment", "l_unencrypted:\n  - x\n  #\n  - y\n")
case("unenc-map-comments", "m_unencrypted:\n  # h\n  a: 1 # l\n  # f\nz: 1\n")
case("unenc-key-line-comment", "k_unencrypted: v # c\n# d\nz: 1\n")
case("unenc-nested-list-of-maps", "t_unencrypted:\n  - a: 1 # c1\n    # c2\n    b: 2\n  # c3\n")
case("list-of-maps-comment-before-dash-col-of-key", "l:\n  - a: 1\n    # c\n  - a: 2\n")
case("list-comment-item-second-round", "l:\n  - x\n  # c1\n  # c2\nz: 1\n")

# ---------------------------------------------------------------------------
# L. Column of a trailing comment vs. the next token
# ---------------------------------------------------------------------------
case("col-next-key-same-level-deeper-comment", "a:\n  b:\n    c: 1\n    # x\n  d: 2\n")
case("col-next-key-same-level-col3", "a:\n  b:\n    c: 1\n   # x\n  d: 2\n")
case("col-next-key-same-level-col2", "a:\n  b:\n    c: 1\n  # x\n  d: 2\n")
case("col-next-key-same-level-col1", "a:\n  b:\n    c: 1\n # x\n  d: 2\n")
case("col-list-next-item-col4", "l:\n  - a:\n      b: 1\n    # x\n  - c\n")
case("col-list-next-item-col2", "l:\n  - a:\n      b: 1\n  # x\n  - c\n")
case("col-list-next-item-col6", "l:\n  - a:\n      b: 1\n      # x\n  - c\n")
case("col-three-comments-three-cols", "a:\n  b:\n    c: 1\n    # x4\n  # x2\n# x0\nz: 1\n")
case("col-three-comments-blank-separated", "a:\n  b:\n    c: 1\n\n    # x4\n\n  # x2\n\n# x0\n\nz: 1\n")

# ---------------------------------------------------------------------------
# M. Scalar styles and quoting (values)
# ---------------------------------------------------------------------------
case("q-plain-single-double", "a: x\nb: 'x'\nc: \"x\"\n")
case("q-quoted-keys", "'a': 1\n\"b\": 2\nc: 3\n")
case("q-resolvable-strings", "a: \"true\"\nb: \"123\"\nc: \"1.5\"\nd: \"null\"\ne: \"~\"\nf: \"\"\ng: \"2002-12-14\"\nh: \"0x1F\"\n")
case("q-yaml11-bools", "a: yes\nb: no\nc: on\nd: off\ne: y\nf: n\ng: Yes\nh: OFF\n")
case("q-yaml11-bool-keys", "y: 1\nn: 2\n\"on\": 3\nyes: 4\nOff: 5\n")
case("q-base60", "a: 1:20\nb: 12:30:45\nc: 190:20:30\nd: 1:2\n")
case("q-special-first-1", "a: '-x'\nb: '- x'\nc: '?x'\nd: '? x'\ne: ':x'\nf: ': x'\ng: '-'\nh: '?'\n")
case("q-special-first-2", "a: '&x'\nb: '*x'\nc: '!x'\nd: '|x'\ne: '>x'\nf: '%x'\ng: '@x'\nh: '`x'\n")
case("q-special-first-3", "a: ',x'\nb: '[x'\nc: ']x'\nd: '{x'\ne: '}x'\nf: '#x'\ng: \"'x\"\nh: '\"x'\n")
case("q-inner-indicators", "a: 'x: y'\nb: 'x #y'\nc: 'x:'\nd: x:y\ne: x#y\nf: 'x, y'\ng: 'x [y]'\nh: 'http://x'\n")
case("q-doc-markers", "a: '---'\nb: '...'\nc: '--- x'\nd: '...x'\ne: '--x'\nf: '=' \ng: '<<'\n")
case("q-spaces", "a: ' x'\nb: 'x '\nc: ' '\nd: '  x  '\ne: 'x  y'\n")
case("q-escapes-in-quotes", "a: 'it''s'\nb: \"say \\\"hi\\\"\"\nc: \"back\\\\slash\"\nd: \"caf\\u00e9\"\ne: \"\\x41\"\n")
case("q-tabs", "a: \"a\\tb\"\nb: \"\\tx\"\nc: \"x\\t\"\nd: \"\\t\"\n")
case("q-nonprintable", "a: \"\\x07\"\nb: \"\\0\"\nc: \"\\e\"\nd: \"\\x7f\"\ne: \"\\x85\"\nf: \"\\xa0\"\n")
case("q-unicode-specials", "a: \"\\u2028\"\nb: \"x\\u2029y\"\nc: \"\\ufeffx\"\nd: \"\\ufffe\"\ne: \"\\ue000\"\nf: \"\\ud7ff\"\n")
case("q-emoji", "a: \"\U0001F600\"\nb: x \U0001F600 y\nc: '\U0001F600'\n\U0001F511: k\n")
case("q-unicode-plain", "a: caf\u00e9\nb: \u4e2d\u6587\nc: \u00a0x\n\u00e9t\u00e9: 1\n")
case("q-long-plain", "a: " + " ".join(["word%03d" % i for i in range(40)]) + "\n")
case("q-long-nospace", "a: " + "x" * 250 + "\n")
case("q-long-quoted-needed", "a: '" + "y " * 120 + "# z'\n")
case("q-long-double-escape", "a: \"" + "z " * 110 + "\\t\"\n")
case("q-plain-multiline", "a: foo\n  bar\n\n  baz\n")
case("q-single-multiline", "a: 'foo\n  bar\n\n  baz'\n")
case("q-double-newlines", "a: \"x\\n\"\nb: \"x\\ny\"\nc: \"\\n\"\nd: \"x\\n\\n\"\ne: \"x\\n\\n\\n\"\n")
case("q-double-newlines-spaces", "a: \" x\\ny\"\nb: \"x\\n y\"\nc: \"x \\ny\"\nd: \"x\\n \"\ne: \"\\n x\"\n")
case("q-cr", "a: \"x\\ry\"\nb: \"x\\r\\ny\"\nc: \"x\\r\"\n")
case("q-newline-and-tab", "a: \"x\\n\\ty\"\nb: \"\\tx\\ny\"\n")
case("q-misc-plain-safe", "a: Inf\nb: NaN\nc: 1.2.3\nd: 3.11.0\ne: -x\nf: ?x\ng: a b\nh: \"0.1.2\"\n")
case("q-number-like-strings", "a: \"1_000\"\nb: \"+1\"\nc: \"-1\"\nd: \".5\"\ne: \"1e3\"\nf: \"0o17\"\ng: \"0b11\"\nh: \"08\"\n")
case("q-null-like-strings", "a: \"Null\"\nb: \"NULL\"\nc: \"nULL\"\nd: \"True\"\ne: \"tRue\"\nf: \".inf\"\ng: \".NaN\"\n")

# ---------------------------------------------------------------------------
# N. Keys
# ---------------------------------------------------------------------------
case("k-special", "\"a: b\": 1\n\"#k\": 2\n\" k\": 3\n\"k \": 4\n\"-\": 5\n\"?\": 6\n\"a b\": 7\n\"a:b\": 8\n")
case("k-resolvable", "\"123\": 1\n\"true\": 2\n\"null\": 3\n\"1.5\": 4\n\"~\": 5\n\"2001-01-01\": 6\n")
case("k-empty", "\"\": 1\nb: 2\n")
case("k-128", ("k" * 128) + ": 1\n")
case("k-129", ("k" * 129) + ": 1\n")
case("k-long-nested", "a:\n  " + ("n" * 140) + ":\n    b: 1\n  c: 2\n")
case("k-long-in-list", "l:\n  - " + ("m" * 130) + ": 1\n    b: 2\n")
case("k-long-value-map", ("v" * 130) + ":\n  x: 1\n")
case("k-multiline", "\"a\\nb\": 1\nc: 2\n")
case("k-multiline-explicit", "? |\n  a\n  b\n: 1\n")
case("k-multiline-value-block", "\"a\\nb\":\n  x: 1\n  y: [1, 2]\n")
case("k-explicit-simple", "? a\n: 1\n? b\n:\n  c: 2\n")
case("k-tab-and-emoji", "\"a\\tb\": 1\n\"\U0001F600\": 2\n")
case("k-quote-chars", "\"it's\": 1\n'say \"x\"': 2\n")
case("k-merge-literal", "\"<<\": 1\nb: 2\n")
case("k-sops-reserved", "sops: 1\na: 2\n")

# ---------------------------------------------------------------------------
# O. Block scalars
# ---------------------------------------------------------------------------
case("bs-literal-clip", "a: |\n  l1\n  l2\nb: 1\n")
case("bs-literal-strip", "a: |-\n  l1\n  l2\nb: 1\n")
case("bs-literal-keep", "a: |+\n  l1\n  l2\n\n\nb: 1\n")
case("bs-literal-strip-single-line", "a: |-\n  one\nb: 1\n")
case("bs-literal-clip-single-line", "a: |\n  one\nb: 1\n")
case("bs-literal-indent-indicator", "a: |2\n   leading\n  next\n")
case("bs-literal-leading-space-strip", "a: |2-\n   leading\n  next\n")
case("bs-literal-leading-space-keep", "a: |2+\n   leading\n\n")
case("bs-literal-empty-lines-inside", "a: |\n  l1\n\n  l3\n")
case("bs-literal-leading-empty-line", "a: |\n\n  l2\n")
case("bs-literal-trailing-spaces", "a: |\n  l1  \n  l2\n")
case("bs-literal-tab-inside", "a: |\n  l1\tx\n  l2\n")
case("bs-literal-more-indented-line", "a: |\n  l1\n    l2\n  l3\n")
case("bs-literal-hash-lines", "a: |\n  # not comment\n  x\n")
case("bs-literal-special-content", "a: |\n  key: value\n  - item\n  ---\n")
case("bs-folded", "a: >\n  folded\n  text\n\n  para\nb: 1\n")
case("bs-folded-strip", "a: >-\n  folded\n  text\n")
case("bs-folded-keep", "a: >+\n  folded\n\n")
case("bs-folded-more-indented", "a: >\n  x\n    y\n  z\n")
case("bs-nested-in-list", "l:\n  - |\n    a\n    b\n  - k: |-\n      c\n      d\n")
case("bs-deep", "a:\n  b:\n    c: |\n      x\n      y\n")
case("bs-empty", "a: |\nb: >\nc: |-\n")
case("bs-only-newlines", "a: |+\n\n\nb: 1\n")
case("bs-emoji", "a: |\n  \U0001F600\n  x\n")
case("bs-crlf", "a: |\r\n  l1\r\n  l2\r\nb: 1\r\n")

# ---------------------------------------------------------------------------
# P. Numbers, booleans, nulls, timestamps
# ---------------------------------------------------------------------------
case("n-ints", "a: 0\nb: -0\nc: +1\nd: 007\ne: 0x1F\nf: 0o17\ng: 0b101\nh: 1_000\n")
case("n-int-limits", "a: 9223372036854775807\nb: -9223372036854775808\nc: -9223372036854775809\n")
case("n-uint64", "a: 9223372036854775808\n")
case("n-beyond-uint64", "a: 18446744073709551616\nb: 99999999999999999999999\n")
case("n-not-octal", "a: 08\nb: 09\nc: 0019\n")
case("n-hex-case", "a: 0XFF\nb: 0xff\nc: -0x10\nd: 0B11\ne: 0O7\n")
case("n-floats", "a: 1.0\nb: 1.5\nc: -1.5\nd: 0.1\ne: .5\nf: 1.\ng: +.5\nh: 1_0.5\n")
case("n-float-exp", "a: 1e3\nb: 1e6\nc: 1.0e+21\nd: 1E3\ne: 1e-7\nf: 0.000001\ng: 1234567.0\nh: 123456789012345678.0\n")
case("n-float-special", "a: .inf\nb: -.Inf\nc: +.INF\nd: .nan\ne: .NaN\nf: 1e400\ng: -0.0\n")
case("n-float-precision", "a: 3.14159265358979323846\nb: 0.1e1\nc: 100.0\nd: 1.7976931348623157e308\ne: 5e-324\nf: 2.5e-5\n")
case("n-bools", "a: true\nb: True\nc: TRUE\nd: false\ne: False\nf: FALSE\ng: tRue\n")
case("n-nulls", "a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: nUll\n")
case("n-nulls-in-list", "l:\n  - ~\n  -\n  - null\n  - x\n")
case("n-timestamps", "a: 2001-12-14t21:59:43.10-05:00\nb: 2002-12-14\nc: 2001-12-14 21:59:43\nd: 2001-12-14T21:59:43Z\n")
case("n-timestamps-2", "a: 2001-12-14T21:59:43.123456789Z\nb: 2001-12-14 21:59:43.10 -5\nc: 2001-12-14T21:59:43+01:00\nd: 2001-12-14T21:59:43.000Z\ne: 2001-1-1\n")
case("n-timestamp-quoted", "a: \"2002-12-14\"\nb: '2001-12-14T21:59:43Z'\n")
case("n-scalars-in-list", "l:\n  - 1\n  - 1.5\n  - true\n  - 2002-12-14\n  - \"1\"\n  - yes\n")

# ---------------------------------------------------------------------------
# Q. Tags and !!binary
# ---------------------------------------------------------------------------
case("t-core-tags", "a: !!str 123\nb: !!int \"5\"\nc: !!float 1\nd: !!bool \"true\"\ne: !!null \"\"\nf: !!str\n")
case("t-custom-tags", "a: !custom foo\nb: !custom 123\nc: !<tag:example.com,2000:x> y\n")
case("t-custom-tag-collections", "a: !custom {x: 1}\nb: !custom [1, 2]\nc: !!map {y: 2}\nd: !!seq [3]\n")
case("t-timestamp-tag", "a: !!timestamp 2001-01-01\nb: !!str 2001-01-01\n")
case("t-binary-short", "a: !!binary aGVsbG8=\n")
case("t-binary-invalid-utf8", "a: !!binary /w==\nb: !!binary gICA\n")
case("t-binary-long-text", "a: !!binary " + "aGVsbG8gd29ybGQg" * 6 + "\n")
case("t-binary-long-bytes", "a: !!binary " + "//79/Pv6+fj39vX08/Lx8O/u7ezr6uno5+bl5OPi4eDf3t3c29rZ2NfW1dTT0tHQz87NzMvKycjHxsU=" + "\n")
case("t-binary-block", "a: !!binary |\n  R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5\n  OTk6enp56enmlpaWNjY6Ojo4SEhP/++f/++f/++f/++f/++f/++f/++f/++f/+\n")
case("t-binary-key", "!!binary aGVsbG8=: 1\n")
case("t-str-tag-on-multiline", "a: !!str |\n  x\n  y\n")
case("t-int-tag-bad", "a: !!int abc\n")

# ---------------------------------------------------------------------------
# R. Anchors, aliases, merge keys
# ---------------------------------------------------------------------------
case("a-scalar-alias", "a: &x hello\nb: *x\n")
case("a-map-alias", "a: &m\n  x: 1\n  y: 2\nb: *m\n")
case("a-list-alias", "a: &l\n  - 1\n  - 2\nb: *l\n")
case("a-merge", "base: &b\n  x: 1\n  y: two\nd:\n  <<: *b\n  z: 3\n")
case("a-merge-list", "a: &a\n  x: 1\nb: &b\n  y: 2\nc:\n  <<: [*a, *b]\n")
case("a-merge-override", "base: &b\n  x: 1\nd:\n  x: 2\n  <<: *b\n")
case("a-alias-in-list", "a: &x v\nl:\n  - *x\n  - *x\n")
case("a-anchor-in-list", "l:\n  - &i item\n  - *i\n  - &m {k: v}\n  - *m\n")
case("a-alias-as-key", "a: &k key\n*k : 1\n")
case("a-anchor-on-key", "&k a: 1\nb: 2\n")
case("a-undefined-alias", "a: *nope\n")
case("a-alias-to-null", "a: &n\nb: *n\n")

# ---------------------------------------------------------------------------
# S. Flow and empty collections
# ---------------------------------------------------------------------------
case("f-nested", "a: {x: [1, {y: 2}], z: []}\n")
case("f-in-list", "l:\n  - [1, 2]\n  - {a: 1}\n  - []\n  - {}\n")
case("f-quoted-in-flow", "a: ['x, y', \"z\", 'a: b']\n")
case("f-null-values", "a: {x, y: 1, z: }\nb: [~, null, ]\n")
case("f-seq-of-seqs", "a: [[1, 2], [3, [4]]]\n")
case("f-root-flow-map", "{a: 1, b: [x]}\n")
case("f-multiline", "a: [1,\n  2,\n  3]\nb: {x: 1,\n  y: 2}\n")
case("e-empty-collections", "a: []\nb: {}\nc:\n  d: []\n  e: {}\nl:\n  - []\n  - {}\n  - k: {}\n    j: []\n")
case("e-empty-in-nested-list", "l:\n  - - []\n    - {}\n")

# ---------------------------------------------------------------------------
# T. Lists: indentless, nested, lists of maps of lists; input indentation
# ---------------------------------------------------------------------------
case("l-indentless", "l:\n- a\n- b\nz: 1\n")
case("l-indentless-nested", "a:\n  l:\n  - x\n  - y\n  z: 1\n")
case("l-indentless-maps", "l:\n- a: 1\n  b: 2\n- a: 3\n")
case("l-nested-dash", "l:\n  - - x\n    - y\n  - - - z\n")
case("l-nested-dash-map", "l:\n  - - a: 1\n      b: 2\n    - c: 3\n")
case("l-maps-of-lists", "l:\n  - a:\n      - 1\n      - b:\n          - 2\n    c: 3\n")
case("l-dash-newline-map", "l:\n  -\n    a: 1\n    b: 2\n  -\n    - x\n")
case("l-single-item-map-items", "l:\n  - a: 1\n  - b:\n      c: 2\n")
case("i-indent-2", "a:\n  b:\n    c: 1\n  l:\n    - x\n")
case("i-indent-3", "a:\n   b:\n      c: 1\n   l:\n      - x\n")
case("i-indent-8", "a:\n        b:\n                c: 1\n        l:\n                - x\n")
case("i-indent-mixed", "a:\n b: 1\nc:\n      d: 2\n")
case("i-list-indent-4-dash-space", "l:\n    -   a: 1\n        b: 2\n    -   x\n")
case("i-tab-indent", "a:\n\tb: 1\n")

# ---------------------------------------------------------------------------
# U. Multi-document files
# ---------------------------------------------------------------------------
case("m-two-docs", "a: 1\n---\nb: 2\n")
case("m-leading-sep", "---\na: 1\n---\nb: 2\n")
case("m-trailing-sep", "a: 1\n---\n")
case("m-three-docs-dots", "a: 1\n...\n---\nb: 2\n...\n---\nc: 3\n")
case("m-empty-middle", "a: 1\n---\n---\nb: 2\n")
case("m-second-doc-list", "a: 1\n---\n- x\n")
case("m-second-doc-scalar", "a: 1\n---\nhello\n")
case("m-second-doc-duplicate", "a: 1\n---\nb: 1\nb: 2\n")
case("m-empty-map-doc", "a: 1\n--- {}\n")
case("m-directive", "%YAML 1.2\n---\na: 1\n")
case("m-directive-1-1", "%YAML 1.1\n---\na: 1\n")
case("m-anchor-across-docs", "a: &x 1\n---\nb: *x\n")

# ---------------------------------------------------------------------------
# V. Rejected or odd roots and keys
# ---------------------------------------------------------------------------
case("r-root-list", "- a\n- b\n")
case("r-root-scalar", "hello\n")
case("r-empty-file", "")
case("r-only-sep", "---\n")
case("r-only-empty-map", "{}\n")
case("r-duplicate-key", "a: 1\na: 2\n")
case("r-duplicate-nested", "a:\n  b: 1\n  b: 2\n")
case("r-key-int", "123: a\n")
case("r-key-bool", "true: a\n")
case("r-key-null", "null: a\n")
case("r-key-float", "1.5: a\n")
case("r-key-timestamp", "2020-01-01: a\n")
case("r-key-nested-int", "a:\n  1: x\n")
case("r-key-flow-seq", "? [a, b]\n: 1\n")
case("r-bom", "\ufeffa: 1\n")
case("r-crlf", "a: 1\r\nb:\r\n  c: 2 # x\r\n")
case("r-whitespace-only", "\n\n   \n")
case("r-no-trailing-newline", "a: 1\nb: 2")
case("r-key-emoji-plain", "\U0001F600: 1\n")
case("r-duplicate-key-unenc", "a_unencrypted: 1\na_unencrypted: 2\n")

# ---------------------------------------------------------------------------
# W. Shape oracles with _unencrypted (plain emitted form visible in .shape.yaml)
# ---------------------------------------------------------------------------
case("u-values", "s_unencrypted: 'x: y'\nn_unencrypted: 0x1F\nb_unencrypted: yes\nt_unencrypted: 2002-12-14\nf_unencrypted: 1e6\nz_unencrypted: ~\n")
case("u-subtree", "tree_unencrypted:\n  # c\n  a: 1\n  l:\n    - x # y\n  m: |\n    t\n")
case("u-mixed-siblings", "a: 1\nb_unencrypted: 2\nc:\n  d_unencrypted: 3\n  e: 4\n")
case("u-empty-string", "a: \"\"\nb_unencrypted: \"\"\nl:\n  - \"\"\n")
case("u-binary", "a_unencrypted: !!binary /w==\nb: !!binary /w==\n")

# ---------------------------------------------------------------------------
# X. A few more comment cases (mixed)
# ---------------------------------------------------------------------------
case("x-comment-between-keys-in-list-item-col2", "l:\n  - a: 1\n  # c\n    b: 2\n")
case("x-foot-after-map-in-list-before-next-key", "a:\n  l:\n    - k: 1\n  # c\n  m: 2\n")
case("x-foot-list-in-list-item-col4-next-key", "l:\n  - x:\n      - 1\n    # c\n    y: 2\n")
case("x-comment-after-empty-value-map", "a:\n# c\nb: 1\n")
case("x-comment-after-empty-value-indented", "a:\n  # c\nb: 1\n")
case("x-comment-after-empty-list-item", "l:\n  -\n  # c\n  - x\n")
case("x-line-comment-and-foot-same-item", "l:\n  - a # l\n    # f\n  - b\n")
case("x-head-and-line-on-nested-opening-key", "a:\n  # h\n  b: # l\n    c: 1\n")
case("x-only-comments-in-nested-map", "a:\n  b: 1\nc:\n  # only\n  # comments\nd: 1\n")
case("x-comment-after-alias-in-list", "a: &x 1\nl:\n  - *x # c\n  - 2\n")
case("x-blank-lines-only", "a: 1\n\n\nb:\n\n  c: 2\n\n")
case("x-two-maps-feet", "a:\n  x: 1\n  # fa\nb:\n  y: 2\n  # fb\n")
case("x-list-map-item-head-and-line", "l:\n  # h\n  - a: 1 # l\n    b: 2\n")
case("x-foot-deep-list-in-map-in-list-col8", "l:\n  - a:\n      - 1\n        # c\n  - b\n")
case("x-many-foot-lines", "a:\n  b: 1\n  # f1\n  # f2\n  # f3\nz: 1\n")
case("x-comment-then-dots-multidoc", "a:\n  b: 1\n  # c\n...\n---\nz: 1\n")

# ---------------------------------------------------------------------------
# Y. Emitter quirks: lost head comments, misplaced (pending) foot comments
# ---------------------------------------------------------------------------
case("y-pending-foot-flow-seq-item", "l:\n  - [x]\n  # c\nz: 1\n")
case("y-pending-foot-flow-map-item", "l:\n  - {a: 1}\n  # c\nz: 1\n")
case("y-pending-foot-flow-inner", "l: [\n  {a: 1}\n  # c\n]\nz: 1\n")
case("y-pending-foot-before-list-value", "l:\n  - {a: 1}\n  # c\nm:\n  - x\n")
case("y-pending-foot-eof", "l:\n  - {a: 1}\n  # c\n")
case("y-lost-head-unenc-list-map-item", "l_unencrypted:\n  # h\n  - a: 1 # l\n    b: 2\n")
case("y-lost-head-nested-list", "l:\n  # c1\n  - - x # c2\n")
case("y-lost-head-unenc-nested-list", "l_unencrypted:\n  # c1\n  - - x # c2\n")
case("y-stem-comment-dash-newline", "k:\n  # c1\n  -\n    - x\n")
case("y-dash-line-then-head-in-map", "l:\n  - # c1\n    # c2\n    a: 1\n")
case("y-flow-map-foot-before-close", "a: {\n  x: 1\n  # c\n}\nb: 1\n")
case("y-flow-seq-foot-before-close", "a: [\n  1\n  # c\n]\nb: 1\n")
case("y-line-on-key-then-scalar-next-line", "a: # c\n  value\nb: 1\n")
case("y-head-before-scalar-next-line", "a:\n  # c\n  value\nb: 1\n")
case("y-anchor-dash-line-comment", "l:\n  - &a # c\n    x: 1\n")
case("y-tag-line-comment", "a: !!map # c\n  x: 1\n")
case("y-complex-key-value-line", "? |\n  k\n: v # c\n")
case("y-second-doc-only-comment", "a: 1\n---\n# only\n")
case("y-empty-doc-with-comment-between", "a: 1\n---\n# c\n---\nb: 2\n")
case("y-doc-head-three-blocks", "# a\n\n# b\n\n# c\nk: 1\n")
case("y-comment-600-chars", "a: 1\n# " + "y" * 600 + "\nb: 2\n")
case("y-line-comment-600-chars", "a: 1 # " + "z" * 600 + "\nb: 2\n")
case("y-many-blank-lines-between-comments", "a:\n  b: 1\n  # c1\n\n\n\n  # c2\nz: 1\n")
case("y-crlf-comments", "a: 1 # c\r\n# d\r\nb:\r\n  c: 2\r\n  # e\r\n")
case("y-comment-in-list-of-lists-foot", "l:\n  - - a\n    - b\n  # c\nz: 1\n")
case("y-unenc-foot-list-of-maps-eof", "t_unencrypted:\n  - a: 1\n    # c\n")
case("y-unenc-pending-foot-eof", "l_unencrypted:\n  - {a: 1}\n  # c\n")
case("y-unenc-pending-foot-then-key", "l_unencrypted:\n  - {a: 1}\n  # c\nz: 1\n")
case("q-tab-first-line-multiline", "a: \"\\tx\\ny\"\nb: \"\\t\\n\"\nc: \"\\tx\\n\"\nd: \"\\n\\tx\"\ne: \"x\\n\\t\"\nf: \" \\tx\\ny\"\n")
case("k-tab-first-line-multiline", "\"\\tk\\nx\": 1\nb: 2\n")
case("u-tab-first-line-multiline", "a_unencrypted: \"\\tx\\ny\"\nb_unencrypted: \"\\n\\tx\"\n")

# ---------------------------------------------------------------------------
# Z. Grid 1: ONE comment line "# C" after the last entry of a nested block,
#    varying the block kind, the comment column, a blank line before/after it,
#    and what follows (top-level key "z: 1" or end of file).
#    Name: grid1-<block>-k<column>-b<blank before><blank after>-<z|eof>
# ---------------------------------------------------------------------------
GRID1_BLOCKS = [
    ("map", "a:\n  b: 1\n"),
    ("list", "a:\n  - x\n"),
    ("listmap", "a:\n  - k: 1\n"),
    ("mapmap", "a:\n  b:\n    c: 1\n"),
    ("maplist", "a:\n  b:\n    - x\n"),
    ("ilist", "a:\n- x\n"),
    ("ilistmap", "a:\n- k: 1\n"),
]
GRID1 = []
for bname, btext in GRID1_BLOCKS:
    for col in (0, 1, 2, 3, 4, 6):
        for bb, ba in ((0, 0), (0, 1), (1, 0), (1, 1)):
            for nname, ntext in (("z", "z: 1\n"), ("eof", "")):
                GRID1.append(("grid1-%s-k%d-b%d%d-%s" % (bname, col, bb, ba, nname),
                              btext + "\n" * bb + " " * col + "# C\n" + "\n" * ba + ntext))

# Grid 2: block at depth 2, next token a sibling key at column 2 ("  d: 2").
GRID2_BLOCKS = [
    ("map", "a:\n  b:\n    c: 1\n"),
    ("list", "a:\n  b:\n    - x\n"),
    ("listmap", "a:\n  b:\n    - k: 1\n"),
    ("ilist", "a:\n  b:\n  - x\n"),
]
GRID2 = []
for bname, btext in GRID2_BLOCKS:
    for col in range(0, 8):
        for bb, ba in ((0, 0), (0, 1), (1, 0), (1, 1)):
            GRID2.append(("grid2-%s-k%d-b%d%d" % (bname, col, bb, ba),
                          btext + "\n" * bb + " " * col + "# C\n" + "\n" * ba + "  d: 2\n"))


def main():
    force = "--force" in sys.argv
    os.makedirs(CASES, exist_ok=True)
    seen = set()
    numbered = list(enumerate(C, 1))
    numbered += [(500 + i, c) for i, c in enumerate(GRID1, 1)]
    numbered += [(836 + i, c) for i, c in enumerate(GRID2, 1)]
    assert len(C) < 500 and 500 + len(GRID1) < 837 and 836 + len(GRID2) <= 999, (len(C), len(GRID1), len(GRID2))
    for i, (name, text) in numbered:
        assert name not in seen, name
        seen.add(name)
        path = os.path.join(CASES, "%03d-%s.in.yaml" % (i, name))
        data = text.encode("utf-8")
        if os.path.exists(path) and not force:
            with open(path, "rb") as f:
                if f.read() != data:
                    sys.exit("refusing to overwrite changed %s (use --force)" % path)
            continue
        with open(path, "wb") as f:
            f.write(data)
    print("%d cases" % len(numbered))


if __name__ == "__main__":
    main()
