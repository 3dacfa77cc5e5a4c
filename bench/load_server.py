"""The server under load: ``visavis serve`` in its own process, on a free port, with its own
SQLite database and API key, so its CPU time and memory are its own and not the callers'."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

VISAVIS = Path(sys.executable).with_name("visavis")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``visavis serve`` started in ``workdir`` (its database and log live there)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{workdir / 'load.db'}"
        self.log = workdir / "server.log"
        self.key = ""
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self, timeout: float = 120.0) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "XDG_STATE_HOME": str(self.workdir / "state")}
        self.key = subprocess.run(
            [str(VISAVIS), "keys", "create", "--database-url", self.database_url, "--name", "load"],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout.strip()
        # ``VISAVIS_MEMPROBE=<file>`` runs the server under ``load_memprobe`` (see there).
        probe = [sys.executable, str(Path(__file__).with_name("load_memprobe.py"))]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [
                    *(probe if env.get("VISAVIS_MEMPROBE") else [str(VISAVIS)]),
                    "serve",
                    "--port",
                    str(self.port),
                    "--database-url",
                    self.database_url,
                    "--no-dev-key",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.workdir,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}); see {self.log}")
            try:
                # Answers only after the lifespan startup, which preloads the engines.
                r = httpx.get(f"{self.base}/v1/conversations", headers=self.headers, timeout=2)
                if r.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"the server did not answer within {timeout:.0f} s; see {self.log}")

    @property
    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.key}

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
