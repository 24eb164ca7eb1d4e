#!/usr/bin/env python3
"""Prints the URLs a page asked for, from a chromium --log-net-log file: the
requests with an initiator. The browser's own background requests (update
checks, the clock, accounts) say "not an origin" and are left out.

usage: netlog_requests.py NETLOG.json"""
import json
import sys

text = open(sys.argv[1], encoding="utf-8").read()
try:
    log = json.loads(text)
except ValueError:  # a log cut short when the browser quit
    log = json.loads(text.rstrip().rstrip(",") + "]}")
start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
for e in log.get("events", []):
    p = e.get("params", {})
    if e.get("type") == start and p.get("initiator", "not an origin") != "not an origin":
        print(p.get("url"))
