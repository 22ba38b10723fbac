"""The departmental REST APIs, served on loopback by uvicorn from the simulator's store.

GET /systems/<id>/records?period=YYYY-MM&page=N&page_size=M answers one page of a
system's records for the month with the total for the month, behind a bearer token.
POST /_faults tells the server to misbehave for its next requests, as real sources do:
answer 503, answer slower than the client waits, or send a page of broken JSON.
"""
from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from suizhi.connectors.connections import CITY_API, env_name

STORE = "_api"


def store_path(root: Path, system: str, period: str) -> Path:
    """Where the simulator keeps what an API system serves: <sources>/_api/<system>/<period>.jsonl."""
    return Path(root) / STORE / system / f"{period}.jsonl"


def make_app(root: Path, token: str):
    from fastapi import FastAPI, Header, HTTPException, Response

    app = FastAPI(title="suizhi departmental APIs (simulated)")
    faults = {"fail": 0, "slow": 0, "slow_seconds": 0.0, "malformed": 0}
    cache: dict[tuple[str, str], list[dict]] = {}

    def records(system: str, period: str) -> list[dict]:
        if (system, period) not in cache:
            path = store_path(root, system, period)
            if not path.exists():
                raise HTTPException(404, f"no records of {system} for {period}")
            cache[(system, period)] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return cache[(system, period)]

    @app.post("/_faults")
    def set_faults(body: dict) -> dict:
        faults.update({k: body[k] for k in faults if k in body})
        return faults

    @app.get("/systems/{system}/records")
    async def page(system: str, period: str, page: int = 1, page_size: int = 500,
                   authorization: str | None = Header(default=None)):
        if authorization != f"Bearer {token}":
            raise HTTPException(401, "missing or wrong bearer token")
        if faults["fail"] > 0:
            faults["fail"] -= 1
            raise HTTPException(503, "service unavailable")
        if faults["slow"] > 0:
            faults["slow"] -= 1
            await asyncio.sleep(faults["slow_seconds"])
        rows = records(system, period)
        start = (page - 1) * page_size
        body = json.dumps({"system": system, "period": period, "total": len(rows), "page": page,
                           "pages": max(1, -(-len(rows) // page_size)), "records": rows[start:start + page_size]},
                          ensure_ascii=False)
        if faults["malformed"] > 0:
            faults["malformed"] -= 1
            body = body[: len(body) // 2]
        return Response(body, media_type="application/json")

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApiServer:
    """uvicorn in a thread of this process, on a free loopback port."""

    def __init__(self, root: Path, token: str | None = None):
        import uvicorn
        self.token = token or secrets.token_urlsafe(16)
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(make_app(Path(root), self.token), host="127.0.0.1",
                                                    port=self.port, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, name="suizhi-api", daemon=True)

    @property
    def uri(self) -> str:
        """The Airflow connection URI a client uses: the base URL, the token as password."""
        return f"http://:{self.token}@127.0.0.1:{self.port}"

    def start(self) -> ApiServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the API server did not start on 127.0.0.1:{self.port}")
            time.sleep(0.05)
        return self

    def faults(self, **faults) -> None:
        import httpx
        httpx.post(f"http://127.0.0.1:{self.port}/_faults", json=faults, timeout=5).raise_for_status()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextmanager
def serving_api(root: Path):
    """Serve the APIs while the block runs, as connection suizhi_city_api; unless one is already defined."""
    name = env_name(CITY_API)
    if os.environ.get(name):
        yield None
        return
    server = ApiServer(root).start()
    os.environ[name] = server.uri
    try:
        yield server
    finally:
        os.environ.pop(name, None)
        server.stop()
