#!/usr/bin/env python3
"""moto's S3-compatible server for the object-storage tests, on 127.0.0.1 and a free port.

usage: moto_server.py [--port N]

Prints `MOTO_ENDPOINT=http://127.0.0.1:PORT` once it listens, then serves until killed or until
its parent process is gone (a test run that died leaves no server behind).

Why not `moto_server`: its threaded server checks `If-None-Match: *` and then stores the object in
two separate steps (moto/s3/responses.py), so nothing stops two concurrent conditional PUTs of one
key from both succeeding (not seen in 200 rounds of 8 concurrent PUTs: the window is short, but
the race tests must not depend on luck). S3 makes the check and the write one atomic step; here
one lock around each request gives the same guarantee (requests are served one at a time,
connections still kept alive).
"""
import argparse
import logging
import os
import sys
import threading
import time

from werkzeug.serving import make_server
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app


class Serialized:
    """A WSGI app that runs one request at a time, response body included."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            return list(self.app(environ, start_response))


def exit_with_parent(parent):
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port', type=int, default=0)
    args = ap.parse_args()
    logging.getLogger('werkzeug').setLevel(logging.WARNING)  # no line per request
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server('127.0.0.1', args.port, Serialized(app), threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True).start()
    sys.stdout.write(f'MOTO_ENDPOINT=http://127.0.0.1:{server.port}\n')
    sys.stdout.flush()
    server.serve_forever()


if __name__ == '__main__':
    main()
