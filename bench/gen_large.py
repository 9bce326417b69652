#!/usr/bin/env python3
"""Generate the deterministic "large" benchmark input: a YAML file with 22,000 leaf values.

Shape (top level is a single mapping with 4,000 keys, emitted in this order):

    svc_0000:              # 2,000 maps, svc_0000 .. svc_1999, each with exactly 10 keys
        name: s...         #   5 string values  (name, host, user, token, region)
        port: 1234         #   5 integer values (port, replicas, timeout_ms, shard, weight)
        ...
    ...
    note_0000: w... w...   # 2,000 one-line string values, note_0000 .. note_1999

    = 2,000 x 10 + 2,000 = 22,000 encrypted values.

The output is deterministic (fixed-seed PRNG, no clock, no hash randomisation) and is written in
the exact layout sops 3.11 emits on decrypt (4-space indentation, plain scalars, no comments),
so a decrypt round trip must reproduce the input byte for byte.  Every string starts with a
lowercase letter and contains only [a-z0-9 ], so no value can be mistaken for another YAML type
(int, bool, null, float) and no quoting is ever needed.

Usage: gen_large.py [OUTPUT]   (stdout when OUTPUT is omitted or "-")
"""

import random
import sys

MAPS = 2000
KEYS_PER_MAP = 10
ONE_LINE = 2000
SEED = 20251122

ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
LETTERS = "abcdefghijklmnopqrstuvwxyz"
WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
    "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu"
).split()


def word(rng, lo, hi):
    n = rng.randint(lo, hi)
    return rng.choice(LETTERS) + "".join(rng.choice(ALNUM) for _ in range(n - 1))


def generate(out):
    rng = random.Random(SEED)
    lines = []
    values = 0
    for i in range(MAPS):
        lines.append(f"svc_{i:04d}:")
        fields = [
            ("name", f"s{word(rng, 6, 20)}"),
            ("port", rng.randint(1024, 65535)),
            ("host", f"h{word(rng, 8, 30)}"),
            ("replicas", rng.randint(1, 64)),
            ("user", f"u{word(rng, 4, 12)}"),
            ("timeout_ms", rng.randint(100, 600000)),
            ("token", f"t{word(rng, 32, 48)}"),
            ("shard", rng.randint(0, 1023)),
            ("region", f"r{word(rng, 5, 10)}"),
            ("weight", rng.randint(1, 1000000)),
        ]
        assert len(fields) == KEYS_PER_MAP
        for key, value in fields:
            lines.append(f"    {key}: {value}")
            values += 1
    for i in range(ONE_LINE):
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 14)))
        lines.append(f"note_{i:04d}: {sentence} {i}")
        values += 1
    assert values == MAPS * KEYS_PER_MAP + ONE_LINE == 22000
    out.write("\n".join(lines) + "\n")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "-"
    if path == "-":
        generate(sys.stdout)
    else:
        with open(path, "w", encoding="ascii", newline="\n") as f:
            generate(f)


if __name__ == "__main__":
    main()
