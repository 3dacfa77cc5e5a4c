"""``visavis keys`` and ``visavis serve`` as a person runs them."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def visavis(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "visavis.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "VISAVIS_DATABASE_URL": f"sqlite:///{tmp_path / 'v.db'}",
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }


def test_keys_create_list_revoke(env: dict[str, str]):
    created = visavis("keys", "create", "--tenant", "clinic", "--name", "ci", env=env)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("vv_") and "shown only this once" in created.stderr
    listed = visavis("keys", "list", "--tenant", "clinic", env=env)
    key_id = key.split("_")[1]
    assert key_id in listed.stdout and "ci" in listed.stdout and "active" in listed.stdout
    assert key.split("_", 2)[2] not in listed.stdout  # never the secret again
    assert visavis("keys", "revoke", key_id, "--tenant", "clinic", env=env).returncode == 0
    assert "revoked" in visavis("keys", "list", "--tenant", "clinic", env=env).stdout
    secret = visavis("keys", "webhook-secret", env=env).stdout.strip()
    assert len(secret) >= 32 and visavis("keys", "webhook-secret", env=env).stdout.strip() == secret
    wrong = visavis("keys", "revoke", key_id, "--tenant", "other", env=env)
    assert wrong.returncode == 2 and "no key" in wrong.stderr


def test_serve_refuses_to_start_on_a_mistyped_network_setting(env: dict[str, str]):
    for name, value, says in (
        ("VISAVIS_EGRESS_PRIVATE", "no", "'allow' or 'deny'"),
        ("VISAVIS_EGRESS_ALLOW", "10.0.0.0/40", "neither a network"),
        ("VISAVIS_ICE_SERVERS", '[{"urls": "stun.example.org"}]', "not a stun:"),
    ):
        started = visavis("serve", "--port", str(free_port()), env={**env, name: value})
        assert started.returncode == 2 and says in started.stderr, started.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_prints_a_console_link_and_a_call_to_open(env: dict[str, str], models_installed):
    port = free_port()
    args = [sys.executable, "-m", "visavis.cli", "serve", "--port", str(port), "--new-call"]
    server = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
    try:
        lines: list[str] = []
        assert server.stderr is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not any("open this call" in x for x in lines):
            lines.append(server.stderr.readline())
        printed = "".join(lines)
        key = re.search(r"API key:\s+(\S+)", printed)
        call = re.search(r"open this call: (\S+)", printed)
        console = re.search(r"console:\s+(\S+)", printed)
        assert key and call and console, printed
        assert console.group(1).endswith(f"/console#key={key.group(1)}")
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):  # the models load before the port opens
            try:
                page = httpx.get(call.group(1), timeout=2.0)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert page.status_code == 200 and "call.js" in page.text
        listed = httpx.get(f"{base}/v1/conversations", headers={"x-api-key": key.group(1)})
        assert listed.json()["total"] == 1
    finally:
        server.terminate()
        server.wait(timeout=20)
    # A restart prints the same development key: the console link keeps working.
    again = subprocess.Popen(args[:-1], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert again.stderr is not None
        out = "".join(again.stderr.readline() for _ in range(3))
        assert key.group(1) in out
    finally:
        again.terminate()
        again.wait(timeout=20)
