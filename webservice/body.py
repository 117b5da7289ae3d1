"""Reading a stranger's request body: bounded in time, size and nesting.

The app calls ``read_body`` and ``nesting_depth`` before anything else looks at a
request, so a broken or hostile body is a short 4xx, never a 500 or a stuck worker.
"""
from __future__ import annotations

import contextlib
import sys

from werkzeug.exceptions import HTTPException

#: Alexa's envelopes nest about 10 deep (APL's components on screen a few more); the SDK
#: reads and writes them recursively, so anything far deeper is refused before it.
MAX_JSON_DEPTH = 64
BODY_SECONDS = 5.0  # to receive a body once the headers are in (gevent workers; else per read)


class BodyError(Exception):
    """A body the client broke or stalled: what to answer (message, status), and why (for the log)."""

    def __init__(self, message: str, status: int, reason: str):
        super().__init__(reason)
        self.message, self.status = message, status


def read_body(flask_request) -> bytes:
    """The whole body, within BODY_SECONDS; a broken or stalled one is the client's error.

    Over MAX_CONTENT_LENGTH raises werkzeug's 413 as before. A malformed chunked body
    (the server's parser raises while we read) is a 400, a client too slow a 408;
    both close the connection, since its framing can no longer be trusted.
    """
    sock = flask_request.environ.get("gunicorn.socket")
    previous = sock.gettimeout() if sock is not None else None
    try:
        with _deadline(BODY_SECONDS):
            if sock is not None:
                sock.settimeout(BODY_SECONDS)  # without gevent: each read at least is bounded
            return flask_request.get_data(cache=True)
    except HTTPException:
        raise
    except (_BodyTimeout, TimeoutError) as error:  # TimeoutError: a socket time-out (thread workers)
        raise BodyError("Request body too slow.", 408, "body not received in {} s".format(BODY_SECONDS)) from error
    except Exception as error:  # the server's HTTP parser: a bad chunk size, a missing terminator
        raise BodyError("Request body could not be read.", 400, "{}: {}".format(type(error).__name__, error)) \
            from error
    finally:
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.settimeout(previous)


class _BodyTimeout(Exception):
    pass


def _deadline(seconds: float):
    """Under a gevent worker (make serve), one deadline for the whole body; else nothing more."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("socket"):
        import gevent

        return gevent.Timeout(seconds, _BodyTimeout)
    return contextlib.nullcontext()


def nesting_depth(document) -> int:
    """How deeply lists and objects nest in ``document``, without recursing."""
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest
