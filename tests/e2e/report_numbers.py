#!/usr/bin/env python3
"""Reads every count out of a `badgectl report --html` page and compares it
with `report --json`: each count carries its place in the JSON (data-path,
or data-other and data-top for an "other" line). Also checks that nothing is
left out: each day's arrival bars add up to its attendees and hold every
non-zero quarter of the JSON, each part's charts account for all of its
attendees, every kiosk of a day is listed.

usage: report_numbers.py REPORT.html REPORT.json
Prints how many numbers it compared; exits 1 on the first disagreement."""
import json
import sys
from html.parser import HTMLParser


class Marks(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.marks = []  # (tag, attrs, text)
        self.stack = []  # open marked elements: [tag, attrs, text parts, depth]
        self.depth = 0
        self.unmarked = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("rect", "br", "meta", "line") or tag.endswith("/"):
            if "data-path" in a:
                self.marks.append((tag, a, None))
            return
        self.depth += 1
        if "data-path" in a or "data-other" in a:
            self.stack.append([tag, a, [], self.depth])
        elif "n" in a.get("class", "").split() and tag not in ("th",):
            self.unmarked.append((tag, a))

    def handle_startendtag(self, tag, attrs):
        a = dict(attrs)
        if "data-path" in a:
            self.marks.append((tag, a, None))

    def handle_endtag(self, tag):
        if tag in ("rect", "br", "meta", "line"):
            return
        if self.stack and self.stack[-1][3] == self.depth:
            t, a, text, _ = self.stack.pop()
            self.marks.append((t, a, "".join(text)))
        self.depth -= 1

    def handle_data(self, data):
        if self.stack and self.stack[-1][3] == self.depth:
            self.stack[-1][2].append(data)


def lookup(doc, path):
    v = doc
    for i, k in enumerate(path):
        if isinstance(v, dict) and k not in v and path[i - 1] == "arrivals_per_quarter_hour":
            return 0  # the JSON lists non-zero quarters only
        v = v[k]
    return len(v) if isinstance(v, list) else v


def main():
    html = open(sys.argv[1], encoding="utf-8").read()
    doc = json.load(open(sys.argv[2], encoding="utf-8"))
    p = Marks()
    p.feed(html)
    p.close()
    bad = []
    if p.unmarked:
        bad.append("counts without their place in the JSON: %r" % p.unmarked[:3])
    compared = 0
    bars = {}  # day index -> {quarter: count}
    shown = {}  # (events, i, group) -> sum shown, with other
    for tag, a, text in p.marks:
        if "data-other" in a:
            path = json.loads(a["data-other"])
            rows = list(lookup(doc, path).values())
            want = sum(rows[int(a["data-top"]):])
            key = tuple(path)
        else:
            path = json.loads(a["data-path"])
            want = lookup(doc, path)
            key = tuple(path[:-1])
        got = int(a["data-count"]) if tag == "rect" else int(text.strip())
        compared += 1
        if got != want:
            bad.append("%s: page %d, JSON %d" % (path, got, want))
        if tag == "rect":
            bars.setdefault(path[1], {})[path[3]] = got
        elif path[0] == "events" or (len(path) > 2 and path[2] in ("by_kiosk",)):
            shown[key] = shown.get(key, 0) + got
    for i, day in enumerate(doc["days"]):
        if day["attendees"]:
            b = bars.get(i, {})
            if sum(b.values()) != day["attendees"]:
                bad.append("day %d: bars add up to %d, not %d" % (i, sum(b.values()), day["attendees"]))
            for q, n in day["arrivals_per_quarter_hour"].items():
                if b.get(q) != n:
                    bad.append("day %d: no bar of %d at %s" % (i, n, q))
            if shown.get(("days", i, "by_kiosk"), 0) != sum(day["by_kiosk"].values()):
                bad.append("day %d: kiosks left out" % i)
    for i, part in enumerate(doc["events"]):
        for g in ("by_category", "by_country", "by_organization"):
            if shown.get(("events", i, g), 0) != sum(part[g].values()):
                bad.append("part %d %s: the chart shows %d of %d" %
                           (i, g, shown.get(("events", i, g), 0), sum(part[g].values())))
    for b in bad:
        print("report_numbers: " + b)
    print("report_numbers: %d numbers compared" % compared)
    sys.exit(1 if bad or not compared else 0)


if __name__ == "__main__":
    main()
