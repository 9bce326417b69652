#!/usr/bin/env python3
"""Regenerate the sops 3.11 YAML round-trip oracle for every cases/*.in.yaml.

For each case NNN-name.in.yaml this writes, next to it:
  NNN-name.out.yaml    sops decrypt (sops encrypt input)           (plaintext round trip)
  NNN-name.shape.yaml  the encrypted file with every ENC[...] payload replaced by
                       ENC[<type>] and every top-level `sops:` block removed (the
                       `sops:` line and the indented lines after it; a column-0
                       comment line emitted inside that block is kept)
  NNN-name.plain.yaml the tree as sops emits it with NOTHING encrypted: `sops encrypt
                       --encrypted-regex 'a^'` (a regex that never matches, so values and
                       comments stay plain) with the `sops:` blocks removed. Comments that
                       trail a document end up just before `sops:`, so they are kept here.
  NNN-name.warn        first stderr line of `sops decrypt` when it printed anything
                       (e.g. "Found possibly unencrypted comment")
  NNN-name.out2.yaml   only if encrypt->decrypt of .out.yaml gives something else
                       (round trip not stable)
  NNN-name.err         instead of the files above when sops rejects the input:
                       "<step> exit <code>" then the first stderr line

In .out.yaml/.out2.yaml, any ENC[...] text that sops left undecrypted (a comment that did
not decrypt because it moved to another path) is masked to ENC[<type>], because the
ciphertext is random.

Usage: python3 gen.py [-j N] [substring ...]   (substrings filter case names)

Needs `sops` (3.11.0) on PATH. Runs with a scrubbed environment in a fresh temp dir
(no .sops.yaml anywhere above it), encrypting to the TEST key alice.
"""
import argparse
import concurrent.futures as cf
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
KEYFILE = os.path.abspath(os.path.join(HERE, "..", "keys", "alice.txt"))
RECIPIENT = "age1cnf60h48zvjnh386255e5u53ph3aaq93k53vsp7aywzfhrdt93sqrv5065"
SOPS = shutil.which("sops") or "sops"

ENC_RE = re.compile(
    rb"ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/]{43}=,tag:[A-Za-z0-9+/]{22}==,type:([a-z]+)\]"
)


def env(tmp, with_key):
    e = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": tmp,
        "SOPS_DISABLE_VERSION_CHECK": "1",
    }
    if with_key:
        e["SOPS_AGE_KEY_FILE"] = KEYFILE
    return e


def run(args, tmp, with_key):
    p = subprocess.run(args, cwd=tmp, env=env(tmp, with_key),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout, p.stderr


def first_line(b):
    """First non-empty stderr line; when it ends with ':' the next line is appended."""
    lines = [l.rstrip() for l in b.decode("utf-8", "replace").splitlines() if l.strip()]
    if not lines:
        return ""
    if lines[0].endswith(":") and len(lines) > 1:
        return lines[0] + " " + lines[1].strip()
    return lines[0]


def mask(b):
    return ENC_RE.sub(lambda m: b"ENC[" + m.group(1) + b"]", b)


def round_trip(data, tmp, tag, extra=()):
    """Return (ok, out_bytes, enc_bytes, decrypt_stderr) or (False, errtext, enc, None)."""
    src = os.path.join(tmp, tag + ".yaml")
    with open(src, "wb") as f:
        f.write(data)
    rc, enc, err = run([SOPS, "encrypt"] + list(extra) + ["--age", RECIPIENT, tag + ".yaml"],
                       tmp, False)
    if rc != 0:
        return False, "encrypt exit %d\n%s\n" % (rc, first_line(err)), None, None
    if extra:
        return True, None, enc, None
    encp = os.path.join(tmp, tag + ".enc.yaml")
    with open(encp, "wb") as f:
        f.write(enc)
    rc, out, err = run([SOPS, "decrypt", tag + ".enc.yaml"], tmp, True)
    if rc != 0:
        return False, "decrypt exit %d\n%s\n" % (rc, first_line(err)), enc, None
    return True, mask(out), enc, err


def shape(enc):
    enc = mask(enc)
    out = []
    skipping = False
    for line in enc.split(b"\n"):
        if line == b"sops:":
            skipping = True
            continue
        if skipping:
            if line.startswith(b" ") or line == b"":
                continue
            if line.startswith(b"#"):
                # a comment that go-yaml emitted inside the metadata block (a
                # "pending foot comment", see COMMENTS.md); keep it
                out.append(line)
                continue
            skipping = False
        out.append(line)
    text = b"\n".join(out)
    if not text.endswith(b"\n"):
        text += b"\n"
    return text


def write(path, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)


def rm(path):
    if os.path.exists(path):
        os.remove(path)


def do_case(name):
    base = os.path.join(CASES, name)
    with open(base + ".in.yaml", "rb") as f:
        data = f.read()
    tmp = tempfile.mkdtemp(prefix="sopsyaml-")
    try:
        ok, out, enc, err = round_trip(data, tmp, "x")
        if not ok:
            write(base + ".err", out)
            for ext in (".out.yaml", ".shape.yaml", ".plain.yaml", ".out2.yaml", ".warn"):
                rm(base + ext)
            return name, "err: " + out.splitlines()[0]
        rm(base + ".err")
        write(base + ".out.yaml", out)
        write(base + ".shape.yaml", shape(enc))
        status = []
        if err.strip():
            w = mask(first_line(err).encode()).decode()
            w = re.sub(r'\s*time="[^"]*"', "", w)
            write(base + ".warn", w + "\n")
            status.append("warn")
        else:
            rm(base + ".warn")
        okp, _, encp, _ = round_trip(data, tmp, "p", ["--encrypted-regex", "a^"])
        if okp:
            write(base + ".plain.yaml", shape(encp))
        else:
            rm(base + ".plain.yaml")
            status.append("plain-failed")
        ok2, out2, _, _ = round_trip(out, tmp, "y")
        if ok2 and out2 == out:
            rm(base + ".out2.yaml")
        else:
            if not ok2:
                out2 = ("# second round trip failed: " + out2.replace("\n", " | ") + "\n").encode()
            write(base + ".out2.yaml", out2)
            status.append("UNSTABLE")
        return name, " ".join(status) or "ok"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-j", type=int, default=max(2, (os.cpu_count() or 2) * 2))
    ap.add_argument("filters", nargs="*")
    a = ap.parse_args()
    names = sorted(f[:-len(".in.yaml")] for f in os.listdir(CASES) if f.endswith(".in.yaml"))
    if a.filters:
        names = [n for n in names if any(s in n for s in a.filters)]
    ver = subprocess.run([SOPS, "--version"], env={"PATH": os.environ.get("PATH", ""),
                         "SOPS_DISABLE_VERSION_CHECK": "1", "HOME": "/nonexistent"},
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode()
    if "3.11.0" not in ver:
        print("warning: expected sops 3.11.0, got: " + ver.strip(), file=sys.stderr)
    results = {}
    with cf.ThreadPoolExecutor(a.j) as ex:
        for name, status in ex.map(do_case, names):
            results[name] = status
    n_err = sum(1 for s in results.values() if s.startswith("err"))
    unstable = [n for n, s in results.items() if "UNSTABLE" in s]
    for n in sorted(results):
        if results[n] != "ok":
            print("%-50s %s" % (n, results[n]))
    print("%d cases, %d rejected by sops, %d unstable" % (len(results), n_err, len(unstable)))


if __name__ == "__main__":
    main()
