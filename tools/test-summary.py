#!/usr/bin/env python3
"""The end of `make test`: what ran and what skipped, suite by suite, and why each skip happened.

usage: tools/test-summary.py TARGET_DIR

Reads what `make test` left in TARGET_DIR: test.log (the Rust suites' output), e2e-SUITE.log
(each browser and desktop suite), ui-test.log (svelte-check and vitest), contract.log
(cli-contract-check) and test-skips.log, where a test that skips writes one line
`SUITE<TAB>TEST<TAB>REASON` (tests/it/common.rs `skipped`, e2e/lib.mjs `skipSuite`, the
Makefile). The Rust harness reports a test that returned early as `ok`; the skip log is what
tells a skip from a pass. Prints only; the exit status of `make test` is decided by the suites.
"""
import os
import re
import sys
from collections import OrderedDict, defaultdict


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def rust_suites(log):
    """{suite: {"passed", "failed", "ignored"}} from `cargo test` output; the integration tests'
    one binary (tests/it) is split by module, one suite each."""
    suites = OrderedDict()
    current = None
    for line in log.splitlines():
        m = re.match(r"\s*Running (.+?) \((.+?)\)\s*$", line)
        if m:
            src, binary = m.group(1), os.path.basename(m.group(2))
            crate = re.sub(r"-[0-9a-f]{16}$", "", binary)
            current = ("it" if src == "tests/it/main.rs" else f"{crate} ({src})")
            continue
        m = re.match(r"\s*Doc-tests (\S+)", line)
        if m:
            current = f"{m.group(1)} (doc tests)"
            continue
        m = re.match(r"test (\S+)(?: - .*)? \.\.\. (ok|FAILED|ignored)", line)
        if m and current:
            name, result = m.group(1), m.group(2)
            suite = f"it::{name.split('::')[0]}" if current == "it" else current
            s = suites.setdefault(f"rust {suite}", {"passed": 0, "failed": 0, "ignored": 0, "tests": set()})
            s["tests"].add(name)
            s[{"ok": "passed", "FAILED": "failed", "ignored": "ignored"}[result]] += 1
    return suites


def node_counts(text):
    """Counts from node --test's closing lines (TAP `# pass 3` or the spec reporter's `ℹ pass 3`)."""
    counts = {}
    for key in ("tests", "pass", "fail", "skipped", "cancelled", "todo"):
        found = re.findall(rf"^[#ℹ] {key} (\d+)\s*$", text, re.M)
        if found:
            counts[key] = int(found[-1])
    return counts


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else "target"
    skips = defaultdict(list)
    for line in (read(os.path.join(target, "test-skips.log")) or "").splitlines():
        parts = line.split("\t", 2)
        if len(parts) == 3:
            skips[parts[0]].append((parts[1], parts[2]))

    rows = []  # (suite, ran, passed, failed, skipped, note)
    log = read(os.path.join(target, "test.log"))
    if log is None:
        rows.append(("rust (cargo test)", "-", "-", "-", "-", "no test.log: the Rust suites did not run"))
    else:
        for suite, s in rust_suites(log).items():
            skipped_tests = {t for t, _ in skips.get(suite, []) if t in s["tests"]}
            skipped = len(skipped_tests) + s["ignored"]
            ran = s["passed"] + s["failed"] - len(skipped_tests)
            rows.append((suite, ran, s["passed"] - len(skipped_tests), s["failed"], skipped, ""))
    for path in sorted(f for f in os.listdir(target) if f.startswith("e2e-") and f.endswith(".log")):
        name = path[len("e2e-"):-len(".log")]
        c = node_counts(read(os.path.join(target, path)) or "")
        if not c:
            rows.append((f"e2e {name}", "-", "-", "-", "-", "no summary in its log: it did not finish"))
            continue
        skipped = c.get("skipped", 0) + c.get("todo", 0)
        failed = c.get("fail", 0) + c.get("cancelled", 0)
        # node counts a skipped describe() as no test at all: the skip log says it skipped whole.
        whole = any(test == "(whole suite)" for test, _ in skips.get(f"e2e {name}", []))
        rows.append((f"e2e {name}", c.get("tests", 0) - skipped, c.get("pass", 0), failed, "all" if whole else skipped, ""))
    ui = read(os.path.join(target, "ui-test.log"))
    if ui is not None:
        m = re.search(r"Tests\s+(?:(\d+) failed \| )?(\d+) passed(?: \| (\d+) skipped)?", ui)
        check = re.search(r"svelte-check found (\d+) errors? and (\d+) warnings?", ui)
        note = f"svelte-check: {check.group(1)} errors, {check.group(2)} warnings" if check else "svelte-check: no result"
        if m:
            failed, passed, skipped = int(m.group(1) or 0), int(m.group(2)), int(m.group(3) or 0)
            rows.append(("ui (vitest)", passed + failed, passed, failed, skipped, note))
        else:
            rows.append(("ui (vitest)", "-", "-", "-", "-", note + "; vitest did not finish"))
    contract = read(os.path.join(target, "contract.log"))
    if contract is not None:
        m = re.search(r"(\d+) commands keep the contract, (\d+) break it", contract)
        if m:
            rows.append(("cli-contract-check", int(m.group(1)) + int(m.group(2)), int(m.group(1)), int(m.group(2)), 0, ""))

    print()
    print("== make test: what ran ==")
    width = max([len(r[0]) for r in rows] + [5])
    print(f"{'suite':<{width}}  {'ran':>5}  {'passed':>6}  {'failed':>6}  {'skipped':>7}")
    for suite, ran, passed, failed, skipped, note in rows:
        line = f"{suite:<{width}}  {ran:>5}  {passed:>6}  {failed:>6}  {skipped:>7}"
        print(line + (f"  {note}" if note else ""))
    listed = {r[0] for r in rows}
    print()
    if not skips:
        print("Nothing skipped.")
    else:
        print("== skipped, and why ==")
        for suite in sorted(skips):
            for test, reason in skips[suite]:
                extra = "" if suite in listed else " (its results are not in the table)"
                print(f"{suite}  {test}: {reason}{extra}")


if __name__ == "__main__":
    main()
