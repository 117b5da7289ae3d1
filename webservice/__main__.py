"""``python -m webservice``: the skill under gunicorn on HOST:PORT (default 127.0.0.1:8080).

Extra gunicorn options may follow, e.g. ``python -m webservice --workers 4``.
WEB_WORKERS / WEB_THREADS set the defaults (2 workers x 8 threads: the RSA check and
the skill are short CPU work, the chain fetch is the only wait).
"""
import os
import sys


def gunicorn_argv(extra=(), environ=os.environ, app="webservice.app:create_app()"):
    bind = "{}:{}".format(environ.get("HOST", "127.0.0.1"), environ.get("PORT", "8080"))
    return ["gunicorn", "--bind", bind,
            "--workers", environ.get("WEB_WORKERS", "2"),
            "--threads", environ.get("WEB_THREADS", "8"),
            "--timeout", "30", "--graceful-timeout", "10",
            # several servers (tests, load runs) may share a machine: no shared control socket
            "--no-control-socket",
            *extra, app]


def main():
    import logging

    from gunicorn.app.wsgiapp import run

    # before the workers fork, so the app's own warnings reach the log with a time and a pid
    logging.basicConfig(level=logging.INFO,
                        format="[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s")

    extra = sys.argv[1:]
    app = os.environ.get("WEB_APP", "webservice.app:create_app()")
    sys.argv = gunicorn_argv(extra, app=app)
    run()


if __name__ == "__main__":
    main()
