"""Requests signed the way Alexa signs them, by a certificate authority of our own.

For tests and the load run only: ``TestPKI`` makes a root CA, an intermediate and an
echo-api.amazon.com signing certificate (trusted only by whoever is handed
``pki.roots``), and ``signed_request`` turns an envelope into the exact body bytes
and the ``SignatureCertChainUrl`` / ``Signature-256`` headers Alexa would send.

``app_trusting_test_ca()`` is a gunicorn app factory for a real HTTP run: it trusts the CA and
reads chains from the directory that ``TestPKI.write(dir)`` filled (env SIGNING_PKI_DIR),
so the server process validates real chains without reaching the internet. With
SIGNING_CHAIN_ORIGIN=https://127.0.0.1:PORT it fetches them over HTTPS from there instead
(tools.hostile.ChainHost), through the real ``fetch_chain`` and its time-out. SWITCH_INTERVAL
(seconds) makes its threads switch more often, so that a race between them shows.
"""
from __future__ import annotations

import base64
import json
import os
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CHAIN_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
SIGNING_NAME = "echo-api.amazon.com"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Back Spasm Coach tests"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


class Authority:
    """A CA: its key and certificate (self-signed root, or issued by a parent)."""

    def __init__(self, common_name: str, parent: "Authority | None" = None, key=None):
        self.key = key or _key()
        issuer_name = parent.certificate.subject if parent else _name(common_name)
        signer = parent.key if parent else self.key
        now = _now()
        builder = (x509.CertificateBuilder()
                   .subject_name(_name(common_name)).issuer_name(issuer_name)
                   .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=30)).not_valid_after(now + timedelta(days=3650))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None if parent is None else 0),
                                  critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False,
                                                key_agreement=False, key_cert_sign=True, crl_sign=True,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()),
                                  critical=False))
        if parent is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()), critical=False)
        self.certificate = builder.sign(signer, hashes.SHA256())

    def issue(self, public_key, dns_names=(SIGNING_NAME,), ip_addresses=(),
              not_before: datetime | None = None, not_after: datetime | None = None) -> x509.Certificate:
        """An end-entity certificate (TLS server style, as Amazon's signing certificate is)."""
        import ipaddress

        now = _now()
        names = [x509.DNSName(name) for name in dns_names]
        names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
        return (x509.CertificateBuilder()
                .subject_name(_name(dns_names[0] if dns_names else "no name"))
                .issuer_name(self.certificate.subject)
                .public_key(public_key).serial_number(x509.random_serial_number())
                .not_valid_before(not_before or now - timedelta(days=1))
                .not_valid_after(not_after or now + timedelta(days=90))
                .add_extension(x509.SubjectAlternativeName(names), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                             key_encipherment=True, data_encipherment=False,
                                             key_agreement=False, key_cert_sign=False, crl_sign=False,
                                             encipher_only=False, decipher_only=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                      ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                               critical=False)
                .sign(self.key, hashes.SHA256()))


def pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


class TestPKI:
    """Root -> intermediate -> echo-api.amazon.com signing certificate, as Amazon's chain."""

    __test__ = False  # not a pytest class

    def __init__(self):
        self.root = Authority("Test Root CA")
        self.intermediate = Authority("Test Intermediate CA", parent=self.root)
        self.signing_key = _key()
        self.signing_certificate = self.intermediate.issue(self.signing_key.public_key())

    @property
    def roots(self) -> list[x509.Certificate]:
        return [self.root.certificate]

    def chain(self, leaf: x509.Certificate | None = None) -> bytes:
        """The PEM file Amazon serves: signing certificate first, then the intermediate."""
        return pem(leaf or self.signing_certificate, self.intermediate.certificate)

    def write(self, directory: str) -> None:
        """roots.pem, chain.pem and the signing key, for a server in another process."""
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "roots.pem"), "wb") as handle:
            handle.write(pem(*self.roots))
        with open(os.path.join(directory, "chain.pem"), "wb") as handle:
            handle.write(self.chain())
        with open(os.path.join(directory, "signing-key.pem"), "wb") as handle:
            handle.write(self.signing_key.private_bytes(serialization.Encoding.PEM,
                                                        serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))


def load_signing_key(directory: str) -> rsa.RSAPrivateKey:
    with open(os.path.join(directory, "signing-key.pem"), "rb") as handle:
        return serialization.load_pem_private_key(handle.read(), password=None)


def sign(body: bytes, key: rsa.RSAPrivateKey) -> str:
    """The Signature-256 header value: base64 of RSA PKCS#1 v1.5 over SHA-256 of the body."""
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def signed_request(envelope: dict, key: rsa.RSAPrivateKey, url: str = CHAIN_URL) -> tuple[bytes, dict]:
    """(body bytes, headers) exactly as Alexa posts them."""
    body = json.dumps(envelope, separators=(",", ":")).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8",
               "SignatureCertChainUrl": url,
               "Signature-256": sign(body, key)}
    return body, headers


def directory_fetcher(directory: str):
    """A chain fetcher that serves ``chain.pem`` for any (already checked) URL, counting calls."""
    def fetch(url: str) -> bytes:
        fetch.calls.append(url)
        with open(os.path.join(directory, "chain.pem"), "rb") as handle:
            return handle.read()
    fetch.calls = []
    return fetch


def origin_fetcher(origin: str, roots_path: str):
    """A chain fetcher that asks ``origin`` (a loopback HTTPS host trusting our CA) for Amazon's path."""
    import ssl

    from webservice.verify import CERT_URL_HOST, fetch_chain

    context = ssl.create_default_context(cafile=roots_path)

    def fetch(url: str) -> bytes:
        return fetch_chain(url.replace("https://" + CERT_URL_HOST, origin.rstrip("/"), 1), ssl_context=context)
    return fetch


def app_trusting_test_ca():
    """gunicorn factory: the real app, trusting only the test CA in $SIGNING_PKI_DIR."""
    from webservice.app import create_app
    from webservice.verify import certificates_from_pem

    directory = os.environ["SIGNING_PKI_DIR"]
    roots_path = os.path.join(directory, "roots.pem")
    with open(roots_path, "rb") as handle:
        roots = certificates_from_pem(handle.read())
    if os.environ.get("SWITCH_INTERVAL"):  # threads switch this often (s): races show up in tests
        import sys

        sys.setswitchinterval(float(os.environ["SWITCH_INTERVAL"]))
    origin = os.environ.get("SIGNING_CHAIN_ORIGIN")
    fetch = origin_fetcher(origin, roots_path) if origin else directory_fetcher(directory)
    return create_app(trust_roots=roots, fetch=fetch)
