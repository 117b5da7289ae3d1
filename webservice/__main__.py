"""``python -m webservice``: the skill under gunicorn on HOST:PORT (default 127.0.0.1:8080).

Extra gunicorn options may follow and win, e.g. ``python -m webservice --workers 4``.

The worker model is chosen for clients that misbehave (docs/deploying.md has the figures):
- gevent workers: each connection is a greenlet, so idle or slow clients hold no thread
  and never make a normal request wait. The skill's work is short CPU work; the only
  waits (a certificate chain, the Timers API) are socket I/O, which gevent interleaves.
- ``--keep-alive 5``: a connection must send each request's headers, the first included,
  within 5 s, and may stay idle between requests for as long; then it is closed.
- ``--worker-connections 1000`` per worker: beyond that, new connections wait in the backlog.
- ``--reuse-port``: each worker listens on its own SO_REUSEPORT socket, so the kernel
  spreads connections across workers instead of the quickest worker taking them all.

WEB_WORKERS (default 2, one per core) and WEB_CONNECTIONS set the defaults.
"""
import errno
import os
import socket
import sys


def gunicorn_argv(extra=(), environ=os.environ, app="webservice.app:create_app()"):
    bind = "{}:{}".format(environ.get("HOST", "127.0.0.1"), environ.get("PORT", "8080"))
    return ["gunicorn", "--bind", bind,
            "--worker-class", "webservice.worker.FairGeventWorker",
            "--workers", environ.get("WEB_WORKERS", "2"),
            "--worker-connections", environ.get("WEB_CONNECTIONS", "1000"),
            "--keep-alive", "5",
            "--reuse-port",
            "--timeout", "30", "--graceful-timeout", "10",
            # several servers (tests, load runs) may share a machine: no shared control socket
            "--no-control-socket",
            *extra, app]


def port_taken(host: str, port: int) -> bool:
    """True when something already listens there (SO_REUSEPORT would otherwise share the port with it)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as error:
            return error.errno == errno.EADDRINUSE
    return False


def main():
    import logging

    from gunicorn.app.wsgiapp import run

    # before the workers fork, so the app's own warnings reach the log with a time and a pid
    logging.basicConfig(level=logging.INFO,
                        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s")

    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8080")
    if port.isdigit() and port_taken(host, int(port)):
        sys.exit("{}:{} is in use by another server; set PORT".format(host, port))
    extra = sys.argv[1:]
    app = os.environ.get("WEB_APP", "webservice.app:create_app()")
    sys.argv = gunicorn_argv(extra, app=app)
    # gunicorn's own "Listening at" line is empty with --reuse-port: the workers bind, not the master
    logging.getLogger("webservice").info("serving http://%s:%s/ (each worker on its own SO_REUSEPORT socket)",
                                         host, port)
    run()


if __name__ == "__main__":
    main()
