"""Where the server may connect on a caller's behalf: document URLs, webhooks, tool servers,
a persona's LLM and vision model endpoints.

An API caller names URLs that the server then fetches (``document_url``) or posts to
(``callback_url``, a tool's ``url``, ``layers.llm.base_url``, the vision model's). Left
unchecked, that lets whoever holds an API key make the server reach what only the server can:
the cloud's metadata service at 169.254.169.254 (and its credentials), or anything on the
server's own machine and network (server-side request forgery). The guard sits where a
connection is opened, not where the URL is read, so it also covers every redirect, and the
address it checks is the one it connects to: a name that resolves to a public address when
checked and to a private one a moment later (DNS rebinding) gets no second lookup.

The policy (environment, read when a client is made):

* link-local (169.254.0.0/16 with the metadata service, fe80::/10), unspecified, multicast and
  reserved addresses are always refused: no document, webhook, tool or model lives there;
* loopback and private addresses (127.0.0.0/8, 10/8, 172.16/12, 192.168/16, fc00::/7, ...) are
  allowed unless ``VISAVIS_EGRESS_PRIVATE=deny``. A self-hosted clinic fetches documents from
  its intranet and runs its tool server or LLM next to visavis, so allowing them is the
  default; a server whose API keys are held by others should deny them;
* ``VISAVIS_EGRESS_ALLOW``: a comma-separated list of host names and networks (``10.2.0.0/16``,
  ``docs.clinic.internal``) allowed whatever the rules above say.

A refused connection raises ``httpx.ConnectError`` (through httpcore's ``ConnectError``) whose
message says which address was refused and why, so each caller's existing error path (a 422 for
a document, a retried then failed webhook, a ``ToolError``) carries it.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PRIVATE_ENV = "VISAVIS_EGRESS_PRIVATE"
#: How every refusal's message begins (callers tell it from a network failure by it).
REFUSED = "egress refused"
ALLOW_ENV = "VISAVIS_EGRESS_ALLOW"


class EgressConfigError(ValueError):
    """The egress environment variables cannot be read."""


@dataclass(frozen=True)
class EgressPolicy:
    #: Loopback and private addresses: allowed (the default) or denied.
    private: Literal["allow", "deny"] = "allow"
    #: Networks allowed whatever the rules say.
    networks: tuple[Network, ...] = ()
    #: Host names (lower case) allowed whatever their addresses are.
    hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EgressPolicy:
        env = os.environ if environ is None else environ
        private = env.get(PRIVATE_ENV, "allow").strip().lower() or "allow"
        if private not in ("allow", "deny"):
            raise EgressConfigError(f"{PRIVATE_ENV} is 'allow' or 'deny', not {private!r}")
        networks: list[Network] = []
        hosts: set[str] = set()
        for item in (part.strip() for part in env.get(ALLOW_ENV, "").split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                if "/" in item or not item.replace("-", "").replace(".", "").isalnum():
                    raise EgressConfigError(
                        f"{ALLOW_ENV}: {item!r} is neither a network (10.2.0.0/16) nor a host name"
                    ) from None
                hosts.add(item.lower().rstrip("."))
        return cls("deny" if private == "deny" else "allow", tuple(networks), frozenset(hosts))

    def refusal(self, host: str, address: Address) -> str | None:
        """Why connecting to ``address`` (what ``host`` resolved to) is refused; None if not."""
        if host.lower().rstrip(".") in self.hosts or any(address in n for n in self.networks):
            return None
        if address.is_link_local:
            return "a link-local address (the cloud metadata service lives there)"
        # Loopback before reserved: ::1 is both.
        if not address.is_loopback and (
            address.is_unspecified or address.is_multicast or address.is_reserved
        ):
            return "not a unicast address a server can be reached at"
        if self.private == "deny" and (address.is_loopback or address.is_private):
            return f"a loopback or private address, and {PRIVATE_ENV}=deny"
        return None

    def check(self, host: str, addresses: Iterable[str]) -> list[str]:
        """The addresses to try, in the resolver's order, once none of them is refused (a name
        that resolves to a public and a private address is refused outright)."""
        allowed: list[str] = []
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
                address = address.ipv4_mapped  # ::ffff:169.254.169.254 is 169.254.169.254
            why = self.refusal(host, address)
            if why is not None:
                # A name's address stays unsaid: a refused caller learns nothing of the network.
                verb = "is" if host == text else "resolves to"
                raise httpcore.ConnectError(
                    f"{REFUSED}: {host} {verb} {why}; see {ALLOW_ENV} in docs/configuration.md"
                )
            if text not in allowed:
                allowed.append(text)
        if not allowed:
            raise httpcore.ConnectError(f"{REFUSED}: {host} resolves to no address")
        return allowed


def _addresses(infos: Iterable[tuple[object, ...]]) -> list[str]:
    return [str(info[4][0]) for info in infos]  # type: ignore[index]


class _GuardedAsyncBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: EgressPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        failure: Exception | None = None
        # Connect to an address checked (no second lookup), each in turn as a resolver-driven
        # connect would ("localhost" may be ::1 first on a server that listens on 127.0.0.1);
        # TLS still verifies ``host``.
        for address in self.policy.check(host, _addresses(infos)):
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError(f"{REFUSED}: no Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _GuardedBackend(httpcore.NetworkBackend):
    def __init__(self, policy: EgressPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        failure: Exception | None = None
        for address in self.policy.check(host, _addresses(infos)):  # as the async one does
            try:
                return self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError(f"{REFUSED}: no Unix sockets")

    def sleep(self, seconds: float) -> None:
        self.inner.sleep(seconds)


def _pool_settings() -> dict[str, Any]:
    """What httpx gives its own pool: its certificates and its default limits."""
    return {
        "ssl_context": httpx.create_ssl_context(),
        "max_connections": 100,
        "max_keepalive_connections": 20,
        "keepalive_expiry": 5.0,
    }


def async_transport(policy: EgressPolicy | None = None) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection (redirects too) passes ``policy`` (by
    default the environment's). Proxies from the environment are not used: a proxy would
    resolve and connect out of the guard's sight."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    # httpx builds its httpcore pool without a way to pass the network backend; this is the
    # same pool with the guarded one (the guard's tests fail if httpx stops using ``_pool``).
    transport._pool = httpcore.AsyncConnectionPool(
        **_pool_settings(), network_backend=_GuardedAsyncBackend(policy or EgressPolicy.from_env())
    )
    return transport


def transport(policy: EgressPolicy | None = None) -> httpx.HTTPTransport:
    """The blocking twin of ``async_transport`` (the tool client)."""
    sync = httpx.HTTPTransport(trust_env=False)
    sync._pool = httpcore.ConnectionPool(
        **_pool_settings(), network_backend=_GuardedBackend(policy or EgressPolicy.from_env())
    )
    return sync
