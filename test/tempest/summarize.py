#!/usr/bin/python3
"""Turns one suite's subunit stream into per-test results (run.sh, after each suite).

usage: summarize.py SUITE STREAM.subunit LIST.txt OUT.json

  LIST.txt   `tempest run --list-tests` for the suite: every test id that exists. stestr reports a class
             whose setUpClass skipped or failed as ONE entry ("setUpClass (mod.Class)"); here each listed
             test of that class gets that status, so counts are per test. A listed test that never
             reported (a crashed worker) is "missing", which report.py counts as a failure.
writes OUT.json: {suite, listed, counts, tests: [{id, status, reason, error, frame, request}]}; each
failure keeps the last 4xx/5xx request of its log, the exception and the suite's innermost frame.
"""
import collections
import json
import re
import sys

import subunit
import testtools

REQ_RE = re.compile(r"Request \((?P<who>[^)]*)\): (?P<status>\d{3}) (?P<method>[A-Z]+) (?P<url>\S+)")
BODY_RE = re.compile(r"Response - Headers: .*?\n\s+Body: (?P<body>b'.*?'|None)", re.S)


def strip_id(test_id):
    return re.sub(r"\[.*\]$", "", test_id)


def class_of(test_id):
    return strip_id(test_id).rsplit(".", 1)[0]


def read_stream(path):
    out = []
    with open(path, "rb") as fh:
        case = subunit.ByteStreamToStreamResult(fh, non_subunit_name="stdout")
        result = testtools.StreamToDict(out.append)
        result.startTestRun()
        case.run(result)
        result.stopTestRun()
    return out


def last_failed_request(log_text):
    """The last request with a 4xx/5xx status in the test's captured log, with its response body."""
    found = None
    for m in REQ_RE.finditer(log_text):
        if m.group("status")[0] in "45":
            body = ""
            bm = BODY_RE.search(log_text, m.end())
            if bm:
                body = bm.group("body")[:400]
            found = "%s %s -> %s %s" % (m.group("method"), m.group("url"), m.group("status"), body)
    return found


def test_frame(tb):
    """Innermost traceback frame inside the test suites' own code (file:line and source line)."""
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)\n\s+(.*)', tb)
    best = None
    for path, line, func, src in frames:
        if "/tempest/api/" in path or "/neutron_tempest_plugin/api/" in path:
            best = "%s:%s in %s: %s" % (path.split("dist-packages/")[-1], line, func, src.strip())
    return best


def error_excerpt(tb):
    lines = tb.strip().splitlines()
    # the exception line(s): from the last line that starts at column 0 (not a frame) onwards
    idx = len(lines) - 1
    for i in range(len(lines) - 1, -1, -1):
        if lines[i] and not lines[i].startswith(" ") and not lines[i].startswith("Traceback"):
            idx = i
            # keep "Details:" continuation lines together with the exception line
            if i > 0 and lines[i].startswith("Details:"):
                continue
            break
    return "\n".join(lines[idx:])[:1500]


def main():
    suite, stream, list_file, out_path = sys.argv[1:5]
    listed = [l.strip() for l in open(list_file) if re.match(r"^[a-z_]+\.", l.strip())]
    by_class = collections.defaultdict(list)
    for t in listed:
        by_class[class_of(t)].append(t)

    records = {}
    class_level = {}
    for t in read_stream(stream):
        tid = t["id"]
        details = t["details"]
        tb = details["traceback"].as_text() if "traceback" in details else ""
        log = details["pythonlogging:''"].as_text() if "pythonlogging:''" in details else ""
        reason = details["reason"].as_text() if "reason" in details else ""
        rec = {
            "id": tid,
            "status": {"success": "pass", "fail": "fail", "skip": "skip", "xfail": "pass",
                       "uxsuccess": "fail"}.get(t["status"], t["status"]),
            "reason": reason,
            "error": error_excerpt(tb) if tb else "",
            "frame": test_frame(tb) if tb else "",
            "request": last_failed_request(log) if log else "",
        }
        m = re.match(r"^(setUpClass|tearDownClass) \((.*)\)$", tid)
        if m:
            rec["class_level"] = m.group(1)
            if m.group(1) == "setUpClass":
                class_level[m.group(2)] = rec
            else:
                records[tid] = rec  # tearDownClass errors: reported, not expanded
            continue
        records[strip_id(tid)] = rec

    # expand class-level results onto every listed test of the class not otherwise reported
    for cls, rec in class_level.items():
        for t in by_class.get(cls, []):
            key = strip_id(t)
            if key not in records:
                r = {k: v for k, v in rec.items() if k != "class_level"}
                r.update(id=t, expanded_from="setUpClass (%s)" % cls)
                records[key] = r
    # listed but never reported (e.g. worker crash): status "missing"
    for t in listed:
        if strip_id(t) not in records:
            records[strip_id(t)] = {"id": t, "status": "missing", "reason": "", "error": "", "frame": "",
                                    "request": ""}

    counts = collections.Counter(r["status"] for k, r in records.items() if not r.get("class_level"))
    teardown = [r for r in records.values() if r.get("class_level") == "tearDownClass"]
    out = {"suite": suite, "listed": len(listed), "counts": dict(counts),
           "teardown_errors": len(teardown), "tests": sorted(records.values(), key=lambda r: r["id"])}
    with open(out_path, "w") as fh:
        json.dump(out, fh, indent=1)
    print("%s: listed %d, passed %d, failed %d, skipped %d, missing %d, tearDownClass errors %d" % (
        suite, len(listed), counts.get("pass", 0), counts.get("fail", 0), counts.get("skip", 0),
        counts.get("missing", 0), len(teardown)))


if __name__ == "__main__":
    main()
