"""What the test network's readiness and loopback checks read: tor's control socket, a raw SOCKS5
request, and /proc's socket tables (no extra tools, no httpx: see answers_through)."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable
from pathlib import Path


def bootstrap_progress(folder: Path) -> int:
    """The node's bootstrap percentage, read over its control socket (0 while not reachable)."""
    try:
        cookie = (folder / "control_auth_cookie").read_bytes().hex()
        with socket.socket(socket.AF_UNIX) as control:
            control.settimeout(5)
            control.connect(str(folder / "control"))
            control.sendall(
                f"AUTHENTICATE {cookie}\r\nGETINFO status/bootstrap-phase\r\nQUIT\r\n".encode()
            )
            reply = b""
            while chunk := control.recv(4096):
                reply += chunk
    except OSError:
        return 0
    for word in reply.decode(errors="replace").split():
        if word.startswith("PROGRESS="):
            return int(word.removeprefix("PROGRESS="))
    return 0


def answers_through(proxy: str, url: str, timeout_s: float = 20.0) -> bool:
    """True if `url` gives any HTTP response through the SOCKS5 `proxy` (user:pass auth).

    Plain sockets rather than httpx: httpcore leaves the socket open when the SOCKS handshake
    fails (which it does until the descriptor is published), and pytest turns that into an error.
    """
    credentials, _, address = proxy.removeprefix("socks5://").rpartition("@")
    user, _, password = credentials.partition(":")
    proxy_host, _, proxy_port = address.partition(":")
    host = url.removeprefix("http://").split("/")[0]
    try:
        with socket.create_connection((proxy_host, int(proxy_port)), timeout=timeout_s) as sock:
            sock.sendall(b"\x05\x01\x02")  # SOCKS5, one method: username/password
            if sock.recv(2) != b"\x05\x02":
                return False
            sock.sendall(b"\x01" + _counted(user) + _counted(password))
            if sock.recv(2) != b"\x01\x00":
                return False
            sock.sendall(b"\x05\x01\x00\x03" + _counted(host) + (80).to_bytes(2, "big"))
            reply = sock.recv(10)
            if len(reply) < 2 or reply[1] != 0:
                return False
            sock.sendall(f"GET / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
            return sock.recv(5) == b"HTTP/"
    except OSError:
        return False


def _counted(text: str) -> bytes:
    data = text.encode()
    return bytes([len(data)]) + data


def remote_addresses(pids: Iterable[int]) -> set[str]:
    """The remote IP addresses of every TCP socket the processes hold (from /proc, no tools)."""
    inodes: set[str] = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    remote: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                remote.add(_ip_from_proc(fields[2].split(":")[0]))
    return remote


def _ip_from_proc(hex_address: str) -> str:
    """/proc/net/tcp's little-endian hex address as text ("0100007F" -> "127.0.0.1")."""
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(words))
