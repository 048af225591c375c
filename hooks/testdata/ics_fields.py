#!/usr/bin/python3
"""Reads iCalendar files with Debian's python3-icalendar, an independent
parser, and prints what slotbase's e-mail tests check, as one JSON list.

Usage: ics_fields.py FILE...
"""
import datetime
import json
import sys

from icalendar import Calendar


def utc(value):
    return value.dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def attendees(ev):
    a = ev.get("ATTENDEE")
    if a is None:
        return []
    return a if isinstance(a, list) else [a]


def fields(path):
    with open(path, "rb") as f:
        cal = Calendar.from_ical(f.read())
    events = cal.walk("VEVENT")
    if len(events) != 1:
        raise SystemExit("%s: %d VEVENTs, want 1" % (path, len(events)))
    ev = events[0]
    return {
        "method": str(cal.get("METHOD")),
        "uid": str(ev.get("UID")),
        "sequence": int(ev.get("SEQUENCE")),
        "dtstart": utc(ev.get("DTSTART")),
        "dtend": utc(ev.get("DTEND")),
        "dtstamp": utc(ev.get("DTSTAMP")),
        "status": str(ev.get("STATUS")),
        "summary": str(ev.get("SUMMARY")),
        "description": str(ev.get("DESCRIPTION", "")),
        "organizer": str(ev.get("ORGANIZER")),
        "attendees": [str(a) for a in attendees(ev)],
        "alarms": len(ev.walk("VALARM")),
    }


print(json.dumps([fields(p) for p in sys.argv[1:]]))
