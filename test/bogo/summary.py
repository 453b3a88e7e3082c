#!/usr/bin/env python3
"""Counts a BoGo run: PASS / FAIL / SKIP overall and per test-name prefix.

    summary.py RESULTS.json [CONFIG.json]

RESULTS.json is the runner's -json-output. With CONFIG.json, the tests its
DisabledTests patterns name (the runner leaves them out of RESULTS.json) are
counted as DISABLED. The prefix is the name up to the first '-' (TLS13-,
Resume-, ...). Exits 1 if any test failed.
"""
import collections
import fnmatch
import json
import sys


def main():
    results = json.load(open(sys.argv[1]))["tests"]
    disabled = []
    if len(sys.argv) > 2:
        disabled = list(json.load(open(sys.argv[2])).get("DisabledTests", {}))

    kinds = ("PASS", "FAIL", "SKIP")
    total = collections.Counter()
    by_prefix = collections.defaultdict(collections.Counter)
    for name, result in results.items():
        actual = result["actual"]
        total[actual] += 1
        by_prefix[name.split("-", 1)[0] + "-"][actual] += 1

    print(f"{'prefix':<40} {'PASS':>6} {'FAIL':>6} {'SKIP':>6}")
    for prefix in sorted(by_prefix, key=lambda p: (-sum(by_prefix[p].values()), p)):
        c = by_prefix[prefix]
        print(f"{prefix:<40} " + " ".join(f"{c[k]:>6}" for k in kinds))
    line = ", ".join(f"{k} {total[k]}" for k in kinds)
    others = sorted(set(total) - set(kinds))
    if others:
        line += ", " + ", ".join(f"{k} {total[k]}" for k in others)
    print(f"bogo: {line} ({len(results)} run, {len(disabled)} DisabledTests patterns)")
    failed = sorted(n for n, r in results.items() if r["actual"] not in ("PASS", "SKIP"))
    for name in failed:
        print(f"FAIL {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
