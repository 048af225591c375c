#!/usr/bin/python3
"""A real SMTP server for slotbase's e-mail tests (Debian's python3-aiosmtpd).

Usage: smtp_sink.py PORT OUTDIR

Listens on 127.0.0.1:PORT and accepts every message. Each one is stored
before the server answers 250 to its data: the raw message as OUTDIR/N.eml,
then its envelope as OUTDIR/N.json ({"mail_from", "rcpt_tos"}), written
last and atomically, so a reader that sees N.json sees the whole message.
Prints "READY" once it accepts connections; stops when stdin closes or on
SIGTERM.
"""
import json
import os
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.outdir, "%06d" % n)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        os.rename(base + ".tmp", base + ".json")
        return "250 2.0.0 Ok: stored as %06d" % n


def main():
    port, outdir = int(sys.argv[1]), sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    controller = Controller(Sink(outdir), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    print("READY", flush=True)
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
