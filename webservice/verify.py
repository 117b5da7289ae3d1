"""Checks Amazon requires of a skill hosted as a web service, on ``cryptography`` alone.

Each check is an ``AbstractVerifier`` (ask-sdk-webservice-support's interface) so
flask-ask-sdk's ``SkillAdapter`` runs it through its ``verifiers`` argument and turns
a ``VerificationException`` into HTTP 400 before anything is dispatched.

- ``SignatureVerifier``: the ``SignatureCertChainUrl`` rules, the chain fetched with
  short time-outs and a size limit (one fetch per URL at a time, a few URLs at once),
  validated to a trusted root store (never pinned) for the name echo-api.amazon.com
  at the current time, and the ``Signature-256`` header checked
  with RSA PKCS#1 v1.5 / SHA-256 against the raw body. Validated chains are kept in a
  small LRU cache until the first certificate in them expires, so a normal request
  costs one RSA verification.
- ``TimestampVerifier``: the request timestamp within 150 s of now (one hour for
  ``AlexaSkillEvent.*`` requests).
- ``SkillIdVerifier``: the application id in the envelope is ours (when configured).

The app runs the timestamp and skill-id checks before this one, so a request that
fails them costs nothing and never makes the server fetch anything.

Sources: developer.amazon.com "Host a Custom Skill as a Web Service"; see
``../shared/reference/alexa-platform.md`` section 5.
"""
from __future__ import annotations

import base64
import binascii
import logging
import os
import posixpath
import re
import ssl
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from ask_sdk_webservice_support.verifier import AbstractVerifier, VerificationException
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

log = logging.getLogger(__name__)

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
CERT_URL_SCHEME = "https"
CERT_URL_HOST = "s3.amazonaws.com"
CERT_URL_PORT = 443
CERT_URL_PATH_PREFIX = "/echo.api/"
SIGNING_NAME = "echo-api.amazon.com"
TIMESTAMP_TOLERANCE = timedelta(seconds=150)
SKILL_EVENT_TOLERANCE = timedelta(hours=1)
SKILL_EVENT_PREFIX = "AlexaSkillEvent."

FETCH_TIMEOUT_SECONDS = 1.5  # to connect, and for each read (S3 answers in tens of ms)
FETCH_DEADLINE_SECONDS = 2.5  # for the whole fetch: Alexa waits 8 s for the answer
MAX_CHAIN_BYTES = 64 * 1024  # Amazon's chain is ~6 KiB; anything much bigger is not it.
CACHE_SIZE = 16
MAX_CONCURRENT_FETCHES = 4  # distinct chain URLs fetched at once; Amazon uses one or two

Fetcher = Callable[[str], bytes]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header value, looked up case-insensitively (any mapping of headers)."""
    getter = getattr(headers, "get", None)
    if getter is not None:
        value = getter(name)
        if value is not None:
            return value
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


# --- SignatureCertChainUrl -------------------------------------------------------------

def check_cert_chain_url(url: str) -> str:
    """Apply Amazon's URL rules; return the normalised URL to fetch, or raise.

    https (any case), host s3.amazonaws.com (any case), port 443 or none, and a
    path that starts with /echo.api/ (case-sensitive) once normalised as a URL
    path (posixpath, never the OS path rules).
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise VerificationException("certificate chain URL is not a URL: {}".format(error)) from None
    if parts.scheme.lower() != CERT_URL_SCHEME:
        raise VerificationException("certificate chain URL is not https")
    if (parts.hostname or "").lower() != CERT_URL_HOST:
        raise VerificationException("certificate chain URL host is not s3.amazonaws.com")
    if parts.username is not None or parts.password is not None:
        raise VerificationException("certificate chain URL carries credentials")
    if port is not None and port != CERT_URL_PORT:
        raise VerificationException("certificate chain URL port is not 443")
    path = posixpath.normpath(parts.path) if parts.path else ""
    if path.startswith("//"):  # POSIX keeps a leading double slash; a URL path does not mean that
        path = "/" + path.lstrip("/")
    if not path.startswith(CERT_URL_PATH_PREFIX):
        raise VerificationException("certificate chain URL path is not under /echo.api/")
    normalised = "https://{}{}".format(CERT_URL_HOST, path)
    if parts.query:
        normalised += "?" + parts.query
    return normalised


# --- fetching the chain ----------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """The chain must come from the URL we checked, never from where it points us."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, "redirect refused", headers, fp)


def fetch_chain(url: str, *, timeout: float = FETCH_TIMEOUT_SECONDS, deadline: float = FETCH_DEADLINE_SECONDS,
                max_bytes: int = MAX_CHAIN_BYTES, ssl_context: ssl.SSLContext | None = None) -> bytes:
    """GET the PEM chain over HTTPS: bounded in time (each step, and altogether) and size, no redirects."""
    context = ssl_context or ssl.create_default_context()
    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect)
    request = urllib.request.Request(url, headers={"User-Agent": "back-spasm-coach-verifier"})
    give_up = time.monotonic() + deadline
    try:
        with opener.open(request, timeout=timeout) as response:
            if response.status != 200:
                raise VerificationException("certificate chain fetch returned HTTP {}".format(response.status))
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise VerificationException("certificate chain is larger than {} bytes".format(max_bytes))
            data = b""
            while len(data) <= max_bytes:  # a host that sends a byte now and then must not hold us
                if time.monotonic() > give_up:
                    raise VerificationException("certificate chain took longer than {} s".format(deadline))
                chunk = response.read1(8192)
                if not chunk:
                    break
                data += chunk
    except VerificationException:
        raise
    except (OSError, ValueError, urllib.error.URLError) as error:  # time-outs are OSErrors
        raise VerificationException("certificate chain could not be fetched: {}".format(error)) from None
    if len(data) > max_bytes:
        raise VerificationException("certificate chain is larger than {} bytes".format(max_bytes))
    return data


# --- trust roots -----------------------------------------------------------------------

_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


def certificates_from_pem(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle that parses; others are skipped (and logged)."""
    certificates = []
    with warnings.catch_warnings():  # a few old roots have odd serial numbers; still roots
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for block in _PEM_BLOCK.findall(data):
            try:
                certificates.append(x509.load_pem_x509_certificate(block))
            except ValueError as error:
                log.debug("skipping an unreadable root certificate: %s", error)
    return certificates


def default_trust_roots() -> list[x509.Certificate]:
    """The system's CA bundle (honours SSL_CERT_FILE), else certifi's."""
    candidates = []
    paths = ssl.get_default_verify_paths()
    for path in (os.environ.get("SSL_CERT_FILE"), paths.cafile, paths.openssl_cafile):
        if path and path not in candidates:
            candidates.append(path)
    try:
        import certifi

        candidates.append(certifi.where())
    except ImportError:
        pass
    for path in candidates:
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                roots = certificates_from_pem(handle.read())
            if roots:
                log.info("trusting %d root certificates from %s", len(roots), path)
                return roots
    raise RuntimeError("no CA bundle found (set SSL_CERT_FILE or install certifi)")


# --- the signature verifier ------------------------------------------------------------

@dataclass(frozen=True)
class _TrustedKey:
    public_key: rsa.RSAPublicKey
    expires: datetime


class SignatureVerifier(AbstractVerifier):
    """The request was signed by Amazon: URL rules, chain, name, dates, Signature-256."""

    def __init__(self, trust_roots: Sequence[x509.Certificate] | None = None, *,
                 fetch: Fetcher | None = None, clock: Clock = utc_now, cache_size: int = CACHE_SIZE,
                 max_fetches: int = MAX_CONCURRENT_FETCHES):
        self._roots = list(trust_roots) if trust_roots is not None else None
        self._store = None
        self._fetch = fetch or fetch_chain
        self._clock = clock
        self._cache: OrderedDict[str, _TrustedKey] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self._fetching: dict[str, threading.Lock] = {}  # URL -> held while its chain is fetched
        self._fetch_slots = threading.BoundedSemaphore(max_fetches)

    @property
    def store(self) -> Store:
        if self._store is None:
            roots = self._roots if self._roots is not None else default_trust_roots()
            if not roots:
                raise RuntimeError("no trust roots")
            self._store = Store(roots)
        return self._store

    def verify(self, headers, serialized_request_env, deserialized_request_env) -> None:
        url = header(headers, CERT_URL_HEADER)
        signature_b64 = header(headers, SIGNATURE_HEADER)
        if not url or not signature_b64:
            raise VerificationException("missing {} or {} header".format(CERT_URL_HEADER, SIGNATURE_HEADER))
        try:
            signature = base64.b64decode(signature_b64.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise VerificationException("{} header is not base64".format(SIGNATURE_HEADER)) from None
        key = self.trusted_key(url.strip())
        # The adapter hands us the body decoded as strict UTF-8, which round-trips to
        # exactly the bytes Amazon signed.
        body = serialized_request_env.encode("utf-8") if isinstance(serialized_request_env, str) \
            else bytes(serialized_request_env)
        try:
            key.verify(signature, body, PKCS1v15(), SHA256())
        except InvalidSignature:
            raise VerificationException("request signature does not match the body") from None

    def trusted_key(self, url: str) -> rsa.RSAPublicKey:
        """The signing key behind ``url``: from the cache, or fetched and validated now."""
        now = self._clock()
        entry = self._cached(url, now)
        if entry is not None:
            return entry.public_key
        # The URL rules are checked before anything is fetched (and cached URLs passed them).
        fetch_url = check_cert_chain_url(url)
        with self._lock:
            url_lock = self._fetching.setdefault(url, threading.Lock())
        # A burst of first requests for one URL fetches it once; the others wait for that fetch.
        if not url_lock.acquire(timeout=FETCH_DEADLINE_SECONDS + FETCH_TIMEOUT_SECONDS):
            raise VerificationException("certificate chain is still being fetched")
        try:
            entry = self._cached(url, now)
            if entry is None:
                if not self._fetch_slots.acquire(blocking=False):
                    raise VerificationException("too many certificate chains being fetched at once")
                try:
                    entry = self._validate(self._fetch(fetch_url), now)
                finally:
                    self._fetch_slots.release()
                with self._lock:
                    self._cache[url] = entry
                    self._cache.move_to_end(url)
                    while len(self._cache) > self._cache_size:
                        self._cache.popitem(last=False)
        finally:
            with self._lock:
                if self._fetching.get(url) is url_lock:
                    del self._fetching[url]
            url_lock.release()
        return entry.public_key

    def _cached(self, url: str, now: datetime) -> _TrustedKey | None:
        with self._lock:
            entry = self._cache.get(url)
            if entry is not None:
                if now < entry.expires:
                    self._cache.move_to_end(url)
                    return entry
                del self._cache[url]
        return None

    def _validate(self, pem: bytes, now: datetime) -> _TrustedKey:
        try:
            certificates = x509.load_pem_x509_certificates(pem)
        except ValueError:
            raise VerificationException("certificate chain is not PEM") from None
        leaf, intermediates = certificates[0], certificates[1:]
        if now < leaf.not_valid_before_utc:
            raise VerificationException("signing certificate is not valid yet")
        if now > leaf.not_valid_after_utc:
            raise VerificationException("signing certificate has expired")
        try:
            names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            raise VerificationException("signing certificate has no subject alternative names") from None
        if SIGNING_NAME not in names.get_values_for_type(x509.DNSName):
            raise VerificationException("signing certificate is not for {}".format(SIGNING_NAME))
        verifier = PolicyBuilder().store(self.store).time(now).build_server_verifier(x509.DNSName(SIGNING_NAME))
        try:
            chain = verifier.verify(leaf, intermediates)
        except VerificationError as error:
            raise VerificationException("certificate chain is not trusted: {}".format(error)) from None
        public_key = leaf.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise VerificationException("signing certificate key is not RSA")
        expires = min(certificate.not_valid_after_utc for certificate in chain)
        return _TrustedKey(public_key, expires)

    def cached_urls(self) -> list[str]:
        with self._lock:
            return list(self._cache)


# --- timestamp and skill id ------------------------------------------------------------

class TimestampVerifier(AbstractVerifier):
    """The request is fresh: within 150 s of now, one hour for skill events."""

    def __init__(self, clock: Clock = utc_now):
        self._clock = clock

    def verify(self, headers, serialized_request_env, deserialized_request_env) -> None:
        request = getattr(deserialized_request_env, "request", None)
        stamp = getattr(request, "timestamp", None)
        if not isinstance(stamp, datetime):
            raise VerificationException("request has no timestamp")
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=timezone.utc)
        request_type = getattr(request, "object_type", None) or ""
        tolerance = SKILL_EVENT_TOLERANCE if request_type.startswith(SKILL_EVENT_PREFIX) else TIMESTAMP_TOLERANCE
        if abs(self._clock() - stamp) > tolerance:
            raise VerificationException("request timestamp is outside {} s".format(int(tolerance.total_seconds())))


def application_ids(envelope) -> Iterable[str | None]:
    context = getattr(envelope, "context", None)
    system = getattr(context, "system", None)
    yield getattr(getattr(system, "application", None), "application_id", None)
    session = getattr(envelope, "session", None)
    if session is not None:
        yield getattr(getattr(session, "application", None), "application_id", None)


class SkillIdVerifier(AbstractVerifier):
    """The request is for this skill: every application id in it equals ours."""

    def __init__(self, skill_id: str):
        if not skill_id:
            raise ValueError("skill_id is empty")
        self.skill_id = skill_id

    def verify(self, headers, serialized_request_env, deserialized_request_env) -> None:
        ids = list(application_ids(deserialized_request_env))
        if not ids or any(found != self.skill_id for found in ids):
            raise VerificationException("request is for another skill")
