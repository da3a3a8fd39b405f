"""TLS on the gRPC port, and its certificate read again without a restart.

The port's credentials are gRPC's dynamic ones: before each new handshake gRPC asks `_fetch` whether
there is a new configuration, and `reload` (SIGHUP) leaves one there. So a new connection gets the new
certificate while the connections already made keep theirs, and nothing is dropped. A reload whose
files cannot be used is logged and changes nothing: the port goes on with what it has.
"""

from __future__ import annotations

import logging
import threading

import grpc

from contract.tls import PemFile, TlsFileError, read_authorities, read_pair
from service.config import ServiceSettings

log = logging.getLogger("campaigns.service")


class ServerTls:
    """The files the settings name; TlsFileError at once if they cannot be used."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._cert = PemFile(settings.tls_cert, "--tls-cert")
        self._key = PemFile(settings.tls_key, "--tls-key")
        self._client_ca = PemFile(settings.tls_client_ca, "--tls-client-ca") if settings.tls_client_ca else None
        self._lock = threading.Lock()  # _fetch runs on gRPC's threads
        self._pending: grpc.ServerCertificateConfiguration | None = None
        self.credentials = grpc.dynamic_ssl_server_credentials(
            self._configuration(),
            self._fetch,  # type: ignore[arg-type]  # the stubs leave out the None that means "no change"
            require_client_authentication=self._client_ca is not None,
        )

    @property
    def mutual(self) -> bool:
        return self._client_ca is not None

    def _configuration(self) -> grpc.ServerCertificateConfiguration:
        pair = read_pair(self._cert, self._key)
        client_cas = read_authorities(self._client_ca) if self._client_ca is not None else None
        return grpc.ssl_server_certificate_configuration([(pair.key, pair.cert)], root_certificates=client_cas)

    def _fetch(self) -> grpc.ServerCertificateConfiguration | None:
        """gRPC's question before a handshake: a new configuration, or None to keep the current one."""
        with self._lock:
            pending, self._pending = self._pending, None
        return pending

    def reload(self) -> bool:
        """Read the files again for the connections to come; False (and an error logged) if they cannot be used."""
        try:
            configuration = self._configuration()
        except TlsFileError as error:
            log.error("TLS files not reloaded, the gRPC port keeps its certificate: %s", error)
            return False
        with self._lock:
            self._pending = configuration
        log.info("TLS files reloaded: new connections to the gRPC port get %s", self._cert.path)
        return True
