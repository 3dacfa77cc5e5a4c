"""The egress guard: which addresses the server may connect to for a caller, on real sockets."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import httpcore
import httpx
import pytest
from tests.local_http import QuietHandler, serving

from visavis import egress
from visavis.egress import EgressConfigError, EgressPolicy

METADATA = "http://169.254.169.254/latest/meta-data/"


@pytest.fixture
def site() -> Iterator[str]:
    """A local web server: /ok answers, /to-metadata redirects to the metadata service."""

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path == "/to-metadata":
                self.send_response(302)
                self.send_header("Location", METADATA)
            else:
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with serving(Handler) as base:
        yield base


def why(policy: EgressPolicy, address: str, host: str | None = None) -> str | None:
    return policy.refusal(host or address, ipaddress.ip_address(address))


def test_the_policy_from_the_environment() -> None:
    assert EgressPolicy.from_env({}) == EgressPolicy()
    policy = EgressPolicy.from_env(
        {
            "VISAVIS_EGRESS_PRIVATE": "Deny",
            "VISAVIS_EGRESS_ALLOW": " 10.2.0.0/16, docs.clinic.internal. ,fd00::1 ,",
        }
    )
    assert policy.private == "deny"
    assert policy.hosts == frozenset({"docs.clinic.internal"})
    assert [str(n) for n in policy.networks] == ["10.2.0.0/16", "fd00::1/128"]
    with pytest.raises(EgressConfigError, match="'allow' or 'deny'"):
        EgressPolicy.from_env({"VISAVIS_EGRESS_PRIVATE": "sometimes"})
    with pytest.raises(EgressConfigError, match="neither a network"):
        EgressPolicy.from_env({"VISAVIS_EGRESS_ALLOW": "10.0.0.0/99"})


def test_what_is_refused() -> None:
    default, strict = EgressPolicy(), EgressPolicy(private="deny")
    # Never a document, webhook or tool: the metadata service, "any", multicast.
    refused = ("169.254.169.254", "fe80::1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::")
    for address in refused:
        assert why(default, address) is not None, address
    assert "metadata" in (why(default, "169.254.169.254") or "")
    # The intranet and this machine: allowed by default, refused when private is denied.
    for address in ("127.0.0.1", "::1", "10.1.2.3", "192.168.0.5", "172.16.0.1", "fd00::5"):
        assert why(default, address) is None, address
        assert "VISAVIS_EGRESS_PRIVATE=deny" in (why(strict, address) or ""), address
    assert why(strict, "93.184.215.14") is None  # a public address
    # The allow-list wins, by network or by the name that was asked for.
    listed = EgressPolicy(
        private="deny",
        networks=(ipaddress.ip_network("10.2.0.0/16"),),
        hosts=frozenset({"docs.clinic.internal"}),
    )
    assert why(listed, "10.2.3.4") is None
    assert why(listed, "10.3.0.1") is not None
    assert why(listed, "192.168.1.9", host="docs.clinic.internal") is None
    assert why(listed, "192.168.1.9", host="DOCS.clinic.internal.") is None


def test_a_name_with_any_refused_address_is_refused() -> None:
    policy = EgressPolicy()
    assert policy.check("example.org", ["93.184.215.14", "2606:2800::1", "93.184.215.14"]) == [
        "93.184.215.14",
        "2606:2800::1",
    ]
    # A name that resolves to a public and a link-local address: refused, whichever comes first.
    with pytest.raises(httpcore.ConnectError, match=r"rebind\.example resolves to a link-local"):
        policy.check("rebind.example", ["93.184.215.14", "169.254.169.254"])
    with pytest.raises(httpcore.ConnectError, match="no address"):
        policy.check("empty.example", [])
    # A refused name's address is not told to the caller (their error carries this message).
    with pytest.raises(httpcore.ConnectError) as refused:
        EgressPolicy(private="deny").check("intranet.example", ["10.1.2.3"])
    assert "intranet.example resolves to a loopback or private" in str(refused.value)
    assert "10.1.2.3" not in str(refused.value)


async def test_a_guarded_client_refuses_the_metadata_service_and_redirects_to_it(site: str):
    async with httpx.AsyncClient(
        transport=egress.async_transport(EgressPolicy()), follow_redirects=True, timeout=5
    ) as client:
        assert (await client.get(f"{site}/ok")).status_code == 200
        for url in (METADATA, "http://[::ffff:169.254.169.254]/", f"{site}/to-metadata"):
            with pytest.raises(httpx.ConnectError, match=egress.REFUSED):
                await client.get(url)


async def test_private_addresses_when_denied_unless_listed(site: str):
    port = site.rsplit(":", 1)[1]
    strict = EgressPolicy(private="deny")
    async with httpx.AsyncClient(transport=egress.async_transport(strict), timeout=5) as client:
        with pytest.raises(httpx.ConnectError, match="localhost resolves to a loopback"):
            await client.get(f"http://localhost:{port}/ok")
    listed = EgressPolicy(private="deny", networks=(ipaddress.ip_network("127.0.0.0/8"),))
    async with httpx.AsyncClient(transport=egress.async_transport(listed), timeout=5) as client:
        assert (await client.get(f"{site}/ok")).status_code == 200


def test_the_blocking_client_is_guarded_the_same_way(site: str):
    with httpx.Client(transport=egress.transport(EgressPolicy()), timeout=5) as client:
        assert client.get(f"{site}/ok").status_code == 200
        with pytest.raises(httpx.ConnectError, match=egress.REFUSED):
            client.get(METADATA)
    strict = egress.transport(EgressPolicy(private="deny"))
    with httpx.Client(transport=strict, timeout=5) as c, pytest.raises(httpx.ConnectError):
        c.get(f"{site}/ok")


def test_the_environment_is_read_when_a_client_is_made(
    site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VISAVIS_EGRESS_PRIVATE", "deny")
    with (
        httpx.Client(transport=egress.transport(), timeout=5) as client,
        pytest.raises(httpx.ConnectError, match=egress.REFUSED),
    ):
        client.get(f"{site}/ok")
    monkeypatch.setenv("VISAVIS_EGRESS_ALLOW", "127.0.0.1")
    with httpx.Client(transport=egress.transport(), timeout=5) as client:
        assert client.get(f"{site}/ok").status_code == 200


def test_each_allowed_address_is_tried_in_turn(site: str, monkeypatch: pytest.MonkeyPatch):
    # "clinic.test" resolves to ::1 first, where nothing listens, then to 127.0.0.1 (the
    # resolver is the one thing faked: no DNS server here answers for a made-up name).
    port = int(site.rsplit(":", 1)[1])
    real = socket.getaddrinfo

    def resolve(host: str, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        if host != "clinic.test":
            return real(host, *args, **kwargs)  # the connect's own lookup of an address
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port)),
        ]

    monkeypatch.setattr(egress.socket, "getaddrinfo", resolve)
    with httpx.Client(transport=egress.transport(EgressPolicy()), timeout=5) as client:
        assert client.get(f"http://clinic.test:{port}/ok").status_code == 200
