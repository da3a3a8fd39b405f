"""Certificates made at test time: two CAs, and servers and clients issued by them, written as PEM files.

EC P-256 keys (fast to make). Server certificates name 127.0.0.1 and localhost, the addresses the tests
dial, so no test needs to override the name gRPC checks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DAY: Final = dt.timedelta(days=1)
SERVER_NAMES: Final = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class Issued:
    """A certificate and its key, each in a PEM file; `ca`: the PEM file of the CA that issued it."""

    cert: Path
    key: Path
    serial: int
    ca: Path


@dataclass(frozen=True)
class _Authority:
    name: x509.Name
    key: ec.EllipticCurvePrivateKey
    cert: Path


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class CertificateMaker:
    """Writes into `folder`; each call makes new files (a fresh serial number each time)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._authorities: dict[Path, _Authority] = {}

    def authority(self, name: str) -> Path:
        """A self-signed CA; its certificate's PEM file."""
        key = _key()
        subject = _name(name)
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - DAY)
            .not_valid_after(now + 30 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        path = self.folder / f"{name}.pem"
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self._authorities[path] = _Authority(subject, key, path)
        return path

    def issue(self, ca: Path, name: str, *, server: bool, expired: bool = False) -> Issued:
        """A server (naming SERVER_NAMES) or client certificate from `ca`; `expired`: it ended yesterday."""
        authority = self._authorities[ca]
        key = _key()
        now = dt.datetime.now(dt.UTC)
        serial = x509.random_serial_number()
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(authority.name)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(now - (10 * DAY if expired else DAY))
            .not_valid_after(now - DAY if expired else now + 30 * DAY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
                ),
                critical=False,
            )
        cert = builder.sign(authority.key, hashes.SHA256())
        cert_path = self.folder / f"{name}-{serial:x}.pem"
        key_path = self.folder / f"{name}-{serial:x}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key, key_path)
        return Issued(cert_path, key_path, serial, ca)


@dataclass(frozen=True)
class Certificates:
    """What the TLS tests need, made once per session."""

    maker: CertificateMaker
    ca: Path
    other_ca: Path
    server: Issued
    expired_server: Issued
    client: Issued
    other_client: Issued  # from other_ca

    @classmethod
    def make(cls, folder: Path) -> Certificates:
        maker = CertificateMaker(folder)
        ca = maker.authority("test-ca")
        other_ca = maker.authority("other-ca")
        return cls(
            maker=maker,
            ca=ca,
            other_ca=other_ca,
            server=maker.issue(ca, "server", server=True),
            expired_server=maker.issue(ca, "expired-server", server=True, expired=True),
            client=maker.issue(ca, "gateway", server=False),
            other_client=maker.issue(other_ca, "stranger", server=False),
        )


def serial_of(pem: bytes) -> int:
    """The serial number of a PEM (or DER) certificate."""
    if pem.startswith(b"-----"):
        return x509.load_pem_x509_certificate(pem).serial_number
    return x509.load_der_x509_certificate(pem).serial_number


async def served_serial(port: int, ca: Path, client: Issued | None = None) -> int:
    """The serial number of the certificate a new TLS connection to 127.0.0.1:port is served (checked against ca)."""
    context = ssl.create_default_context(cafile=str(ca))
    if client is not None:
        context.load_cert_chain(str(client.cert), str(client.key))
    _reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="localhost"), 5
    )
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
    return serial_of(der)
