"""Tor's PROXY protocol v1 line (`HiddenServiceExportCircuitID haproxy`), read inside uvicorn's h11
protocol: the circuit id goes to the ASGI scope, in memory only; it is never logged or stored.

Why a protocol subclass and not a TCP front: it is one class, adds no hop, no port and no process,
and works the same with `--workers N`. See docs/decisions/0002-circuit-limits.md.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

#: The ASGI scope extension that carries the tor circuit id (an int) of the request's stream.
CIRCUIT_EXTENSION = "helpseek.circuit"
_SIGNATURE = b"PROXY "
# PROXY v1 lines are at most 107 bytes with CRLF (haproxy proxy-protocol.txt §2.1).
_MAX_LINE_BYTES = 107
# Tor writes "PROXY TCP6 fc00:dead:beef:4dad::HI:LO ::1 ..." with the circuit's global id in the
# low 32 bits (tor: connection_edge.c, export_hs_client_circuit_id; notes/storage-and-tor.md §3).
_TOR_CIRCUIT_NETWORK = ipaddress.IPv6Network("fc00:dead:beef:4dad::/64")


class ProxyLineError(ValueError):
    """The connection began with "PROXY " but not with a well-formed PROXY v1 line."""


def circuit_id_from_proxy_line(line: bytes) -> int | None:
    """The tor circuit id in a PROXY v1 line (without CRLF); None if it is not tor's form.

    Only tor's fc00:dead:beef:4dad::/64 sources give an id: any other source could be a real
    client address, which helpseek never keeps.

    >>> circuit_id_from_proxy_line(b"PROXY TCP6 fc00:dead:beef:4dad::0:1d ::1 29 80")
    29
    >>> circuit_id_from_proxy_line(b"PROXY TCP4 192.0.2.1 192.0.2.2 1234 80") is None
    True
    """
    words = line.decode("ascii", errors="replace").split(" ")
    if words[:2] == ["PROXY", "UNKNOWN"]:
        return None
    if len(words) != 6 or words[0] != "PROXY" or words[1] not in ("TCP4", "TCP6"):
        raise ProxyLineError("not a PROXY v1 line")
    version = 4 if words[1] == "TCP4" else 6
    try:
        source, target = ipaddress.ip_address(words[2]), ipaddress.ip_address(words[3])
        ports = [int(word) for word in words[4:] if word.isdigit()]
    except ValueError:
        raise ProxyLineError("bad address in PROXY line") from None
    if source.version != version or target.version != version or len(ports) != 2:
        raise ProxyLineError("bad address or port in PROXY line")
    if any(not 0 <= port <= 65535 for port in ports):
        raise ProxyLineError("port out of range in PROXY line")
    if isinstance(source, ipaddress.IPv6Address) and source in _TOR_CIRCUIT_NETWORK:
        return int(source) & 0xFFFFFFFF
    return None


class ProxyLineProtocol(H11Protocol):
    """uvicorn's h11 protocol that first reads an optional PROXY v1 line (pass as `http=`).

    | first bytes of the connection | what happens                                     |
    |-------------------------------|--------------------------------------------------|
    | not "PROXY "                  | plain HTTP, exactly as uvicorn alone             |
    | tor's PROXY line              | line removed; circuit id in scope["extensions"]  |
    | other valid PROXY line        | line removed; no circuit id (addresses dropped)  |
    | malformed PROXY line          | connection closed, nothing parsed or logged      |

    A client behind tor cannot forge the line: tor writes it before any byte of the stream.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head: bytes | None = b""  # None once the connection's start has been decided
        self._is_rejected = False
        self.circuit_id: int | None = None
        self.app = _WithCircuit(self.app, self)

    def data_received(self, data: bytes) -> None:
        if self._is_rejected:
            return
        if self._head is None:
            super().data_received(data)
            return
        head = self._head + data
        if len(head) < len(_SIGNATURE) and _SIGNATURE.startswith(head):
            self._head = head  # too short to tell yet
            return
        if not head.startswith(_SIGNATURE):
            self._head = None
            super().data_received(head)
            return
        end = head.find(b"\r\n", 0, _MAX_LINE_BYTES)
        if end < 0:
            if len(head) >= _MAX_LINE_BYTES:
                self._reject()
            else:
                self._head = head
            return
        try:
            self.circuit_id = circuit_id_from_proxy_line(head[:end])
        except ProxyLineError:
            self._reject()
            return
        self._head = None
        if rest := head[end + 2 :]:
            super().data_received(rest)

    def _reject(self) -> None:
        self._is_rejected = True
        self.transport.close()


class _WithCircuit:
    """Adds the connection's circuit id (if any) to each request's scope."""

    def __init__(self, app: ASGIApp, protocol: ProxyLineProtocol) -> None:
        self.app = app
        self.protocol = protocol

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.protocol.circuit_id is not None:
            scope["extensions"] = {
                **(scope.get("extensions") or {}),
                CIRCUIT_EXTENSION: self.protocol.circuit_id,
            }
        await self.app(scope, receive, send)


def circuit_of(scope: Scope) -> int | None:
    """The tor circuit id of a request, or None (plain loopback, no exported circuit id)."""
    value = (scope.get("extensions") or {}).get(CIRCUIT_EXTENSION)
    return value if isinstance(value, int) else None
