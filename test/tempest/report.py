#!/usr/bin/python3
"""The verdict of a run (run.sh, last step): every failure is either matched by exclude.txt or fails the run.

usage: report.py RESULTS_DIR EXCLUDE_FILE

reads   RESULTS_DIR/<suite>.json of each suite that ran (summarize.py)
writes  RESULTS_DIR/report.md     counts with and without the exclude list, failures grouped by cause,
                                  excluded failures grouped by entry, skips grouped by missing extension
        RESULTS_DIR/verdict.json  the counts and the ids of the failures no entry excludes
prints  the counts and the failures no entry excludes, grouped by cause
exit    0 when no failure is left over, 1 otherwise (also when no suite reported, or a suite ran nothing)

EXCLUDE_FILE is stestr's format (`tempest run --exclude-list` takes it too): a regex per line, searched in
the test id, then `#` and why. A failure counts as a test failure: a failed test, a test of a class whose
setUpClass failed, a listed test that never reported, or a tearDownClass error (matched by its class).
"""
import collections
import json
import os
import re
import sys

SUITES = [("tempest", "tempest.api.network"), ("plugin", "neutron_tempest_plugin.api")]
FAILED = ("fail", "missing")


class Entry:
    def __init__(self, line_no, regex, why):
        self.line_no = line_no
        self.regex = regex
        self.pattern = re.compile(regex)
        self.why = why
        self.failures = []

    def matches(self, test_id):
        class_level = re.match(r"^(?:setUpClass|tearDownClass) \((.*)\)$", test_id)
        return self.pattern.search(class_level.group(1) if class_level else test_id) is not None


def read_exclude(path):
    entries = []
    with open(path) as fh:
        for no, line in enumerate(fh, 1):
            regex, _, why = line.strip().partition("#")
            if regex.strip():
                entries.append(Entry(no, regex.strip(), why.strip()))
    return entries


def normalize(text):
    """Masks what differs between two failures of one cause: ids, addresses, dates, names."""
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uuid>", text)
    text = re.sub(r"[0-9a-f]{32}", "<hex>", text)
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?", "<date>", text)
    text = re.sub(r"\b\d+\.\d+\.\d+\.\d+(/\d+)?\b", "<ip>", text)
    text = re.sub(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", "<mac>", text)
    text = re.sub(r"https?://[^/ ]+", "", text)
    return re.sub(r"'name': '[^']*'", "'name': <name>", text)


def cause(r):
    """A failure's cause: the resource qdhcp does not serve, or the failing request, or the exception."""
    if r["status"] == "missing":
        return "never reported (the worker running it died or hung)"
    req = r.get("request") or ""
    m = re.match(r"^(\S+) \S*?/v2\.0/([a-z_-]+)\S* -> 404 .*HTTPNotFound", req)
    if m:
        return "/v2.0/%s is not served (404 HTTPNotFound)" % m.group(2)
    error = (r.get("error") or "").strip().splitlines()
    first = error[0] if error else "(no traceback)"
    # the suite's innermost frame without its line number: "neutron_tempest_plugin/api/base.py in create_port"
    where = re.sub(r":\d+ in (\w+):.*$", r" in \1", r.get("frame") or "?")
    if req:
        m = re.match(r"^(\S+) (\S+) -> (\d+) .*?\"type\":\s*\"(\w+)\"", req)
        if m:
            return normalize("%s %s -> %s %s, then %s" % (m.group(1), m.group(2), m.group(3), m.group(4),
                                                          first[:160]))
    return normalize("%s (at %s)" % (first[:160], where))


def excerpt(r, n=300):
    parts = [(r.get("request") or "")[:n], " ".join(l.strip() for l in (r.get("error") or "").splitlines())[:n]]
    if r.get("frame"):
        parts.append("at " + r["frame"][:200])
    return " / ".join(p for p in parts if p).replace("|", "\\|")


def short(test_id):
    return re.sub(r"\[.*\]$", "", test_id)


def skip_extension(reason):
    for rx in (r"^(?P<ext>\S+) extension not enabled", r"^Skipped because network extension: (?P<ext>\S+) is not"):
        m = re.match(rx, reason.strip())
        if m:
            return m.group("ext")
    return None


def count(tests):
    c = collections.Counter("fail" if t["status"] in FAILED else t["status"] for t in tests)
    return {"total": len(tests), "passed": c["pass"], "failed": c["fail"], "skipped": c["skip"]}


def main():
    results, exclude_path = sys.argv[1:3]
    entries = read_exclude(exclude_path)
    data = {}
    for key, _ in SUITES:
        path = os.path.join(results, key + ".json")
        if os.path.exists(path):
            with open(path) as fh:
                data[key] = json.load(fh)

    counts, left, problems = {}, [], []
    for key, name in SUITES:
        if key not in data:
            continue
        tests = [t for t in data[key]["tests"] if not t.get("class_level")]
        kept = []
        for t in data[key]["tests"]:
            entry = next((e for e in entries if e.matches(t["id"])), None)
            if entry is None:
                if not t.get("class_level"):
                    kept.append(t)
                if t["status"] in FAILED:
                    left.append((key, t))
            elif t["status"] in FAILED:
                entry.failures.append((key, t))
        counts[key] = {"suite": name, "without_exclude_list": count(tests), "with_exclude_list": count(kept),
                       "excluded": len(tests) - len(kept),
                       "teardown_errors": sum(1 for t in data[key]["tests"] if t.get("class_level"))}
        if not tests or counts[key]["without_exclude_list"]["passed"] == 0:
            problems.append("%s ran nothing (no test listed or none passed): see its console log" % name)
    if not data:
        problems.append("no suite reported")

    groups = collections.defaultdict(list)
    for key, t in left:
        groups[cause(t)].append((key, t))
    ordered = sorted(groups.items(), key=lambda kv: -len(kv[1]))

    out = []
    w = out.append
    w("## Counts (per test; a class whose setUpClass skipped or failed counts once per test)\n")
    w("| suite | exclude list | total | passed | failed | skipped |")
    w("|---|---|---:|---:|---:|---:|")
    for key, c in counts.items():
        for label, k in (("without", "without_exclude_list"), ("with", "with_exclude_list")):
            n = c[k]
            w("| `%s` | %s | %d | %d | %d | %d |" % (c["suite"], label, n["total"], n["passed"], n["failed"],
                                                   n["skipped"]))
    w("\n%d tests are matched by the exclude list (%s).\n" % (
        sum(c["excluded"] for c in counts.values()), os.path.basename(exclude_path)))
    w("## Failures the exclude list does not cover (%d): these fail the run\n" % len(left))
    for text in problems:
        w("- **%s**" % text)
    for i, (why, items) in enumerate(ordered, 1):
        w("### %d. %s (%d)\n" % (i, why, len(items)))
        w("Example: %s\n" % excerpt(items[0][1]))
        for _, t in items:
            w("- `%s`%s" % (short(t["id"]), " (setUpClass)" if t.get("expanded_from") else ""))
        w("")
    w("## Excluded failures, by entry\n")
    w("| line | regex | why | failures |")
    w("|---:|---|---|---:|")
    for e in entries:
        w("| %d | `%s` | %s | %d |" % (e.line_no, e.regex.replace("|", "\\|"), e.why, len(e.failures)))
    w("")
    for e in entries:
        if e.failures:
            w("### `%s` (%d)\n" % (e.regex.replace("|", "\\|"), len(e.failures)))
            for _, t in e.failures:
                w("- `%s`  \n  %s" % (short(t["id"]), excerpt(t, 200)))
            w("")
    w("## Skips by the extension they name (qdhcp does not list it at GET /v2.0/extensions)\n")
    skips = collections.Counter()
    other = collections.Counter()
    for key, d in data.items():
        for t in d["tests"]:
            if t["status"] == "skip":
                ext = skip_extension(t.get("reason") or "")
                if ext:
                    skips[(ext, key)] += 1
                else:
                    other[(t.get("reason") or "").strip()] += 1
    for ext in sorted({e for e, _ in skips}, key=lambda e: -(skips[(e, "tempest")] + skips[(e, "plugin")])):
        w("- `%s`: tempest %d, plugin %d" % (ext, skips[(ext, "tempest")], skips[(ext, "plugin")]))
    for reason, n in other.most_common():
        w("- other: %d × \"%s\"" % (n, reason))

    with open(os.path.join(results, "report.md"), "w") as fh:
        fh.write("\n".join(out) + "\n")
    verdict = {"ok": not left and not problems, "counts": counts, "problems": problems,
               "not_excluded": [t["id"] for _, t in left]}
    with open(os.path.join(results, "verdict.json"), "w") as fh:
        json.dump(verdict, fh, indent=1)

    for c in counts.values():
        a, b = c["without_exclude_list"], c["with_exclude_list"]
        print("%s: %d passed, %d failed, %d skipped of %d; without the %d excluded: %d passed, %d failed, "
              "%d skipped of %d" % (c["suite"], a["passed"], a["failed"], a["skipped"], a["total"], c["excluded"],
                                    b["passed"], b["failed"], b["skipped"], b["total"]))
    for text in problems:
        print("PROBLEM: " + text)
    if left:
        print("%d failures not covered by %s, by cause:" % (len(left), exclude_path))
        for why, items in ordered:
            print("  %d × %s" % (len(items), why))
            for _, t in items:
                print("      %s" % short(t["id"]))
    print("report: %s" % os.path.join(results, "report.md"))
    return 0 if verdict["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
