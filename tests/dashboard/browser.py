#!/usr/bin/env python3
"""A real browser on the dashboard: headless chromium driven through the
DevTools protocol over a pipe (--remote-debugging-pipe: JSON messages ending
in NUL on file descriptors 3 and 4), so a test can read the page as the
browser built it, while it keeps updating itself.

usage:
  browser.py numbers URL REPORT.json
      every count marked with its place in report --json (data-path) equals
      the JSON's, and the last hour's is the sum of the JSON's quarters
  browser.py live URL CHECKIN-COMMAND KIOSK-NAME KIOSK-COMMAND
      the page's count goes up by one within 5 s of CHECKIN-COMMAND, and a
      card for KIOSK-NAME appears within 5 s of KIOSK-COMMAND ending
Exits 1 with a message on the first disagreement."""
import json
import os
import subprocess
import sys
import tempfile
import time


class Browser:
    def __init__(self, url, width=1280, height=900):
        self.profile = tempfile.mkdtemp(prefix="bk-dash-chromium.")
        to_chrome_r, self.to_chrome_w = os.pipe()
        self.from_chrome_r, from_chrome_w = os.pipe()
        # chromium reads fd 3 and writes fd 4 (moved out of the way first:
        # either may be 3 or 4 already).
        def fds():
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
        self.proc = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
             "--window-size=%d,%d" % (width, height), "about:blank"],
            preexec_fn=fds, pass_fds=(3, 4),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        targets = self.call("Target.getTargets")["targetInfos"]
        page = [t for t in targets if t["type"] == "page"][0]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": page["targetId"], "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for("document.readyState === 'complete' && !!document.getElementById('live')",
                      10)

    def call(self, method, params=None, session=False):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome_w, json.dumps(msg).encode() + b"\0")
        while True:
            while b"\0" not in self.buf:
                chunk = os.read(self.from_chrome_r, 65536)
                if not chunk:
                    raise SystemExit("chromium went away")
                self.buf += chunk
            raw, self.buf = self.buf.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise SystemExit("%s: %s" % (method, reply["error"]))
                return reply["result"]

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True},
                      session=True)
        return r["result"].get("value")

    def wait_for(self, expr, seconds):
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            if self.eval(expr):
                return True
            time.sleep(0.1)
        return False

    def close(self):
        self.proc.kill()
        self.proc.wait()
        subprocess.run(["rm", "-rf", self.profile])


MARKS = """Array.from(document.querySelectorAll('[data-path]')).map(function (e) {
  return [e.getAttribute('data-path'), e.getAttribute('data-count') || e.textContent]; })"""

LAST_HOUR = """(function () { var e = document.getElementById('last-hour');
  return e ? [e.getAttribute('data-day'), e.getAttribute('data-from'),
              e.getAttribute('data-to'), e.textContent] : null; })()"""


def at(doc, path):
    for key in path:
        if isinstance(doc, dict):
            doc = doc.get(key, 0)
        else:
            doc = doc[key]
    return doc


def numbers(url, report_json):
    with open(report_json) as f:
        report = json.load(f)
    b = Browser(url)
    try:
        marks = b.eval(MARKS)
        hour = b.eval(LAST_HOUR)
    finally:
        b.close()
    if len(marks) < 3:
        raise SystemExit("only %d numbers on the page" % len(marks))
    for path, text in marks:
        want = at(report, json.loads(path))
        if str(want) != text.strip():
            raise SystemExit("%s: the page says %s, report --json %s" % (path, text, want))
    if hour:
        day, first, last, text = hour
        quarters = report["days"][int(day)]["arrivals_per_quarter_hour"]
        want = sum(v for k, v in quarters.items() if first <= k <= last)
        if str(want) != text.strip():
            raise SystemExit("last hour: the page says %s, the JSON's quarters %d" % (text, want))
    print("%d numbers agree with report --json" % (len(marks) + (1 if hour else 0)))


def live(url, checkin, kiosk, kiosk_cmd):
    b = Browser(url)
    try:
        before = int(b.eval("document.getElementById('today').textContent"))
        subprocess.run(checkin, shell=True, check=True, stdout=subprocess.DEVNULL)
        if not b.wait_for("Number(document.getElementById('today').textContent) === %d"
                          % (before + 1), 5):
            raise SystemExit("a check-in did not reach the page within 5 s (still %s)"
                             % b.eval("document.getElementById('today').textContent"))
        print("check-in on the page within 5 s (%d -> %d)" % (before, before + 1))
        subprocess.run(kiosk_cmd, shell=True, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        card = "document.querySelector('article.kiosk[data-kiosk=%s]')" % json.dumps(kiosk)
        if not b.wait_for("!!%s && %s.querySelector('.camera') !== null" % (card, card), 5):
            raise SystemExit("no card for kiosk %s within 5 s of its heartbeat" % kiosk)
        print("kiosk %s's card: %s" % (kiosk, b.eval(card + ".textContent")))
    finally:
        b.close()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "numbers":
        numbers(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 6 and sys.argv[1] == "live":
        live(*sys.argv[2:])
    else:
        raise SystemExit(__doc__)
