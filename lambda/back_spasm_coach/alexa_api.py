"""The HTTP client the skill's Alexa service clients use: HTTPS only, with time-outs.

The SDK's ``DefaultApiClient`` calls ``requests`` with no time-out, so one hung
Alexa API call could eat the whole 8-second reply budget. This client gives
every call a connect and a read time-out, and honours a per-request time
budget (``time_budget``): when the budget is spent a call fails at once
instead of starting. Errors reach the skill as the SDK's ``ServiceException``
(the service client wraps whatever ``invoke`` raises); ``is_timeout`` tells a
time-out from other failures.

``requests`` is imported on the first call, not at import time, so a request
that never calls an Alexa API pays nothing for it (cold start). One keep-alive
session is reused for every call.

Calls that do not depend on each other go out together (``all_at_once``), so a
program of ten timers costs two round trips, not eleven: the list, then every
create at once, each on a worker thread within the same time budget.

``ALEXA_API_CA_BUNDLE`` (or ``ca_bundle=``) names a CA file to trust instead of
the system's: the simulated speaker and the tests use it to trust the Timers
API stand-in's throwaway certificate. Unset, normal certificate checks apply.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time

from ask_sdk_model.services import ApiClient, ApiClientResponse

log = logging.getLogger(__name__)

CA_BUNDLE_ENV = "ALEXA_API_CA_BUNDLE"
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 2.5

_budget = threading.local()


class ApiClientError(Exception):
    """A call that could not be made or answered (becomes ServiceException 500)."""


class ApiTimeout(ApiClientError):
    """The API did not answer in time, or the request's time budget was spent."""


@contextlib.contextmanager
def time_budget(seconds: float):
    """Every Alexa API call inside this block ends within ``seconds`` from now (nested: the tighter wins)."""
    previous = getattr(_budget, "deadline", None)
    deadline = time.monotonic() + max(0.0, float(seconds))
    _budget.deadline = deadline if previous is None else min(previous, deadline)
    try:
        yield
    finally:
        _budget.deadline = previous


def all_at_once(calls: list) -> list:
    """Make several Alexa API calls at the same time: one round trip for all of them.

    ``calls`` are functions of no arguments; each runs on a worker thread within the
    caller's time budget. Returns, in order, each call's result or the exception it
    raised (every call is waited for, so none is left running behind the reply).
    """
    if len(calls) <= 1:
        return [_outcome(call) for call in calls]
    deadline = getattr(_budget, "deadline", None)

    def run(call):
        _budget.deadline = deadline  # the caller's budget, on this worker thread
        try:
            return _outcome(call)
        finally:
            _budget.deadline = None

    return list(_workers().map(run, calls))


def _outcome(call):
    try:
        return call()
    except Exception as error:  # handed back to the caller, which knows what it means
        return error


#: Worker threads for ``all_at_once``: enough for a whole program (ten timers) at once.
PARALLEL_CALLS = 10
_pool = None
_pool_lock = threading.Lock()


def _workers():
    global _pool
    if _pool is None:
        with _pool_lock:
            if _pool is None:
                from concurrent.futures import ThreadPoolExecutor  # only requests that need it pay

                _pool = ThreadPoolExecutor(max_workers=PARALLEL_CALLS, thread_name_prefix="alexa-api")
    return _pool


def budget_left() -> float | None:
    """Seconds left in the current time budget (None when there is none)."""
    deadline = getattr(_budget, "deadline", None)
    return None if deadline is None else deadline - time.monotonic()


def is_timeout(exc: BaseException) -> bool:
    """Whether an exception (a ServiceException from a service client) came from a time-out."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, ApiTimeout):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


class TimeoutApiClient(ApiClient):
    """``ask_sdk_model.services.ApiClient`` on a keep-alive ``requests.Session``, with time-outs."""

    def __init__(self, connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                 ca_bundle: str | None = None):
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self._ca_bundle = ca_bundle
        self._session = None
        self._lock = threading.Lock()

    @property
    def ca_bundle(self) -> str | None:
        return self._ca_bundle or os.environ.get(CA_BUNDLE_ENV) or None

    def _http(self):
        if self._session is None:
            with self._lock:
                if self._session is None:
                    import requests  # first Alexa API call only: keeps cold starts light
                    from requests.adapters import HTTPAdapter

                    session = requests.Session()
                    # Keep a connection alive for each call that can run at once (all_at_once).
                    session.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=PARALLEL_CALLS))
                    self._session = session
        return self._session

    def _timeouts(self):
        connect, read = self.connect_timeout, self.read_timeout
        left = budget_left()
        if left is not None:
            if left <= 0.05:
                raise ApiTimeout("the request's time budget is spent")
            connect, read = min(connect, left), min(read, left)
        return connect, read

    def invoke(self, request):
        url = request.url or ""
        if not url.lower().startswith("https://"):
            raise ApiClientError("refusing a non-HTTPS Alexa API URL")
        method = (request.method or "").upper()
        if method not in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"):
            raise ApiClientError("unsupported method {!r}".format(request.method))
        headers = {}
        for key, value in request.headers or []:
            headers[key] = "{}, {}".format(headers[key], value) if key in headers else value
        data = request.body
        if data is not None and not isinstance(data, (str, bytes)):
            data = json.dumps(data)
        timeout = self._timeouts()
        session = self._http()
        import requests

        started = time.monotonic()
        try:
            response = session.request(method, url, headers=headers, data=data, timeout=timeout,
                                       verify=self.ca_bundle or True, allow_redirects=False)
        except requests.Timeout as exc:
            log.warning("Alexa API %s %s timed out after %.2fs (limits %s)",
                        method, _path(url), time.monotonic() - started, timeout)
            raise ApiTimeout("no answer within {}s".format(timeout)) from exc
        except requests.RequestException as exc:
            log.warning("Alexa API %s %s failed: %s", method, _path(url), exc)
            raise ApiClientError(str(exc)) from exc
        log.info("Alexa API %s %s -> %s in %.0f ms", method, _path(url), response.status_code,
                 (time.monotonic() - started) * 1000)
        return ApiClientResponse(headers=list(response.headers.items()),
                                 status_code=response.status_code, body=response.text)


def _path(url: str) -> str:
    """The path of a URL, for logs (no host, no query)."""
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1].split("?", 1)[0] if "/" in rest else "/"


def default_api_client() -> TimeoutApiClient:
    return TimeoutApiClient()
