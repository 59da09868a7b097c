"""Read the TCP sockets of given processes from /proc (test helper, Linux only).

Used to prove the local cluster listens on and talks to loopback only.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

LISTEN = "0A"
ESTABLISHED = "01"


@dataclass(frozen=True)
class Socket:
    pid: int
    local: ipaddress.IPv4Address | ipaddress.IPv6Address
    remote: ipaddress.IPv4Address | ipaddress.IPv6Address
    state: str
    local_port: int


def _address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    raw = bytes.fromhex(hex_address.split(":", maxsplit=1)[0])
    # /proc/net/tcp{,6} stores each 32-bit word in host (little-endian) order.
    words = [raw[i : i + 4][::-1] for i in range(0, len(raw), 4)]
    packed = b"".join(words)
    if len(packed) == 4:
        return ipaddress.IPv4Address(packed)
    v6 = ipaddress.IPv6Address(packed)
    return v6.ipv4_mapped or v6


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    except OSError:
        pass
    return inodes


def tcp_sockets(pids: list[int]) -> list[Socket]:
    """Every TCP socket (v4 and v6) owned by pids."""
    owner = {inode: pid for pid in pids for inode in _socket_inodes(pid)}
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if inode in owner:
                port = int(local.split(":")[1], 16)
                found.append(Socket(owner[inode], _address(local), _address(remote), state, port))
    return found


def non_loopback(sockets: list[Socket]) -> list[Socket]:
    """Sockets listening on, or connected to, anything but loopback."""
    return [sock for sock in sockets if not _loopback_only(sock)]


def _loopback_only(sock: Socket) -> bool:
    if sock.state == LISTEN:
        return sock.local.is_loopback
    return sock.remote.is_loopback or sock.remote.is_unspecified


def listeners(port: int) -> dict[int, str]:
    """Processes listening on a TCP port (pid -> command line), on any address."""
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    found = {}
    for sock in tcp_sockets(pids):
        if sock.state == LISTEN and sock.local_port == port:
            cmdline = Path(f"/proc/{sock.pid}/cmdline").read_bytes().replace(b"\0", b" ")
            found[sock.pid] = cmdline.decode(errors="replace")
    return found
