#!/usr/bin/env python3
"""Prints each failed test of the given .trx files with the first lines of its message and stack trace.

scripts/test.sh calls it just before its final count line, because a CI log is often shown only by its tail and a
failure's own lines would otherwise be thousands of lines above it.
"""
import sys
import xml.etree.ElementTree as ElementTree

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
MESSAGE_LINES = 6
STACK_LINES = 4


def first_lines(text, count):
    lines = [line.rstrip() for line in (text or "").strip("\n").splitlines()]
    return lines[:count] + (["…"] if len(lines) > count else [])


for path in sys.argv[1:]:
    for result in ElementTree.parse(path).getroot().iterfind(".//t:UnitTestResult", NS):
        if result.get("outcome") not in ("Failed", "Error", "Timeout", "Aborted"):
            continue
        print(f"FAILED {result.get('testName')} ({result.get('duration')})")
        error = result.find("t:Output/t:ErrorInfo", NS)
        if error is None:
            continue
        for line in first_lines(error.findtext("t:Message", "", NS), MESSAGE_LINES):
            print(f"    {line}")
        for line in first_lines(error.findtext("t:StackTrace", "", NS), STACK_LINES):
            print(f"    {line}")
