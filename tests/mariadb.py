"""A throwaway MariaDB server on loopback for the tests: mariadb-install-db in a temporary
folder, started on a free port, stopped at the end. As root, the server runs as user mysql.

The pipeline's account is created with a password when the server starts (its init file);
root keeps the packaged default, reachable only through the server's own socket by the
operating system's root, so nothing on loopback logs in without a password.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from suizhi.simulate.serve_api import free_port

PASSWORD = "suizhi-test"
INIT = f"""CREATE DATABASE IF NOT EXISTS departments CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'suizhi'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}';
GRANT ALL ON departments.* TO 'suizhi'@'127.0.0.1';
"""


def _bin(*names: str) -> str:
    for name in names:
        found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}")
                                            if os.path.exists(p)), None)
        if found:
            return found
    raise RuntimeError(f"MariaDB's {names[0]} is not installed: run `make mariadb`")


class MariadbServer:
    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="suizhi-mariadb-"))
        self.data, self.port = self.root / "data", free_port()
        self.user = "mysql" if os.geteuid() == 0 else None
        self.process: subprocess.Popen | None = None

    def _as_user(self) -> list[str]:
        return [f"--user={self.user}"] if self.user else []

    def start(self) -> MariadbServer:
        (self.root / "init.sql").write_text(INIT, encoding="utf-8")
        if self.user:
            pw = pwd.getpwnam(self.user)
            for path in (self.root, self.root / "init.sql"):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        subprocess.run([_bin("mariadb-install-db", "mysql_install_db"), "--no-defaults", f"--datadir={self.data}",
                        "--skip-test-db", *self._as_user()], check=True, capture_output=True, text=True, cwd=self.root)
        log = self.root / "server.log"
        self.process = subprocess.Popen(
            [_bin("mariadbd", "mysqld"), "--no-defaults", f"--datadir={self.data}", f"--port={self.port}",
             "--bind-address=127.0.0.1", f"--socket={self.root / 'sock'}", f"--pid-file={self.root / 'pid'}",
             f"--log-error={log}", f"--init-file={self.root / 'init.sql'}", "--skip-name-resolve", "--skip-log-bin",
             "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
             "--innodb-flush-log-at-trx-commit=0", *self._as_user()],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.root)
        self._wait(log)
        return self

    def _wait(self, log: Path, seconds: float = 60) -> None:
        import pymysql
        deadline = time.monotonic() + seconds
        while True:
            try:
                pymysql.connect(host="127.0.0.1", port=self.port, user="suizhi", password=PASSWORD,
                                database="departments", connect_timeout=2).close()
                return
            except pymysql.err.OperationalError as exc:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                    self.stop()
                    raise RuntimeError(f"MariaDB did not start on 127.0.0.1:{self.port}:\n{tail}") from exc
                time.sleep(0.3)

    @property
    def uri(self) -> str:
        return f"mysql://suizhi:{PASSWORD}@127.0.0.1:{self.port}/departments"

    def stop(self) -> None:
        try:
            if self.process and self.process.poll() is None:
                self.process.terminate()
                self.process.wait(timeout=60)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
