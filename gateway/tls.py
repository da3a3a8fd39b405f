"""The gateway's TLS: HTTPS towards its clients, and the credentials of its channel to the service.

Both are read from the files the settings name (contract/tls.py checks them) and read again on SIGHUP:
the HTTPS certificate goes into the same SSLContext uvicorn listens with, which affects new handshakes
only, so the connections already open keep theirs; the channel's credentials are the upstream's to swap
(gateway/upstream.py). Files that cannot be used on a reload are logged and change nothing.
"""

from __future__ import annotations

import logging
import ssl

import grpc

from contract.tls import PemFile, TlsFileError, load_cert_chain, read_authorities, read_pair
from gateway.settings import GatewaySettings

log = logging.getLogger("campaigns.gateway")


class HttpsCertificate:
    """The certificate the gateway serves HTTPS with; TlsFileError at once if its files cannot be used."""

    def __init__(self, settings: GatewaySettings) -> None:
        self._cert = PemFile(settings.tls_cert, "--tls-cert")
        self._key = PemFile(settings.tls_key, "--tls-key")
        read_pair(self._cert, self._key)
        # Python's defaults for a server (TLS 1.2 and up, its cipher list), not uvicorn's "TLSv1" ciphers.
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.minimum_version = ssl.TLSVersion.TLSv1_2
        load_cert_chain(self.context, self._cert, self._key)

    def reload(self) -> bool:
        """Load the files again into the live context; False (and an error logged) if they cannot be used."""
        try:
            # Checked first: a key that does not match would leave the live context half changed.
            read_pair(self._cert, self._key)
            load_cert_chain(self.context, self._cert, self._key)
        except TlsFileError as error:
            log.error("TLS files not reloaded, HTTPS keeps its certificate: %s", error)
            return False
        log.info("TLS files reloaded: new HTTPS connections get %s", self._cert.path)
        return True


def channel_credentials(settings: GatewaySettings) -> grpc.ChannelCredentials | None:
    """TLS to the service (None: plaintext): its CAs, and the gateway's own client certificate if given."""
    if not settings.target_ca:
        return None
    authorities = read_authorities(PemFile(settings.target_ca, "--target-ca"))
    if not settings.target_cert:
        return grpc.ssl_channel_credentials(root_certificates=authorities)
    pair = read_pair(PemFile(settings.target_cert, "--target-cert"), PemFile(settings.target_key, "--target-key"))
    return grpc.ssl_channel_credentials(
        root_certificates=authorities, private_key=pair.key, certificate_chain=pair.cert
    )
