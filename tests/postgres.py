"""A throwaway PostgreSQL server on loopback for the tests: initdb in a temporary folder,
started on a free port, stopped at the end. As root, the server runs as user postgres."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from suizhi.simulate.serve_api import free_port

PASSWORD = "suizhi-test"


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed: run `make postgresql`")
    return found


class PostgresServer:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="suizhi-pg-"))
        self.data, self.port = self.root / "data", free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            pw = pwd.getpwnam(self.user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)

    def _run(self, *args: str) -> None:
        cmd = (["runuser", "-u", self.user, "--"] if self.user else []) + list(args)
        subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=self.root)

    def start(self) -> PostgresServer:
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD)
        if self.user:
            shutil.chown(pwfile, self.user)
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "suizhi", f"--pwfile={pwfile}",
                  "--auth=scram-sha-256", "-E", "UTF8", "--locale=C")
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "start",
                  "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off")
        import psycopg
        with psycopg.connect(host="127.0.0.1", port=self.port, user="suizhi", password=PASSWORD,
                             dbname="postgres", autocommit=True) as db:
            db.execute("CREATE DATABASE departments")
        return self

    @property
    def uri(self) -> str:
        return f"postgresql://suizhi:{PASSWORD}@127.0.0.1:{self.port}/departments"

    def stop(self) -> None:
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
