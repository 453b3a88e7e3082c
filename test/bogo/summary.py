#!/usr/bin/env python3
"""Counts a BoGo run: PASS / FAIL / SKIP overall and per test-name prefix.

    summary.py RESULTS.json [CONFIG.json [RUNNER.log]]

RESULTS.json is the runner's -json-output. With CONFIG.json, the tests its
DisabledTests patterns name (the runner leaves them out of RESULTS.json) are
counted as DISABLED; with RUNNER.log (the runner's output), each failed
test's details from it are printed too. The prefix is the name up to the first '-' (TLS13-,
Resume-, ...). Exits 1 if any test failed.
"""
import collections
import json
import re
import sys


def failure_details(log_path):
    """The runner's text for each failed test, by name, from its output."""
    text = open(log_path, errors="replace").read()
    # Drop the progress counter ("12/0/3/40/5180" and backspaces).
    text = re.sub(r"\d+/\d+/\d+/\d+/\d+[\b ]*", "", text)
    blocks = re.findall(r"FAILED \((.*?)\)\n(.*?)(?=FAILED \(|\Z)", text, re.S)
    return {name: body.strip() for name, body in blocks}


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
        prefix = name.split("-", 1)[0] + ("-" if "-" in name else "")
        by_prefix[prefix][actual] += 1

    print(f"{'prefix':<40} {'PASS':>6} {'FAIL':>6} {'SKIP':>6}")
    for prefix in sorted(by_prefix, key=lambda p: (-sum(by_prefix[p].values()), p)):
        c = by_prefix[prefix]
        print(f"{prefix:<40} " + " ".join(f"{c[k]:>6}" for k in kinds))
    line = ", ".join(f"{k} {total[k]}" for k in kinds)
    others = sorted(set(total) - set(kinds))
    if others:
        line += ", " + ", ".join(f"{k} {total[k]}" for k in others)
    print(f"bogo: {line} ({len(results)} run; {len(disabled)} DisabledTests patterns)")
    failed = sorted(n for n, r in results.items() if r["actual"] not in ("PASS", "SKIP"))
    details = failure_details(sys.argv[3]) if len(sys.argv) > 3 and failed else {}
    for name in failed:
        print(f"FAIL {name}")
        if name in details:
            print("    " + details[name].replace("\n", "\n    "))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
