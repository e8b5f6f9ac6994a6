"""A real, throw-away PostgreSQL cluster for the team-sync tests.

Started from Debian's `postgresql` binaries (`.ci/run` installs them when missing) in a
temporary folder of its own, listening on 127.0.0.1 on a free port with TLS (a test CA
from trustme, so clients connect with sslmode=verify-full as Commander does by default)
and on a Unix socket in the same folder for the superuser. PostgreSQL refuses to run as
root: as root the cluster runs as the unprivileged user `nobody`.

Each test gets a database of its own (`new_database`), owned by the role Commander's
`team setup` uses to create the schema, with a second role that may only insert and
select, as the README's privileges describe.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import trustme

SUPERUSER = "postgres"
OWNER = "commander_owner"  # creates and migrates the team schema
MEMBER = "commander_member"  # a laptop's everyday role: insert and select
OWNER_PASSWORD = "owner-pässword"
MEMBER_PASSWORD = "member-secret"


def binaries() -> Path | None:
    """The folder of initdb/pg_ctl: on PATH, else Debian's newest version folder."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    return Path(versions[-1]).parent if versions else None


def _version(path: str) -> int:
    try:
        return int(Path(path).parent.parent.name)
    except ValueError:
        return 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    folder: Path
    port: int
    bin_dir: Path
    ca_file: Path
    run_as: str | None
    _databases: int = field(default=0)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        args = list(command)
        if self.run_as is not None:
            args = ["runuser", "-u", self.run_as, "--", *args]
        return subprocess.run(args, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> None:
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def superuser_conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.folder} port={self.port} user={SUPERUSER} dbname={dbname}"

    def admin(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.superuser_conninfo(dbname), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self) -> str:
        """A fresh database for one test: the owner role may create the team schema in it."""
        self._databases += 1
        name = f"team_{os.getpid()}_{self._databases}"
        self.admin(f"CREATE DATABASE {name} OWNER {OWNER}")
        self.admin(f"REVOKE ALL ON DATABASE {name} FROM PUBLIC; "
                   f"GRANT CONNECT ON DATABASE {name} TO {MEMBER}")  # fmt: skip
        return name

    def tcp_server_down(self) -> None:
        """Stop the server (a partition from every laptop at once)."""
        self.stop("immediate")

    def remove(self) -> None:
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop",
                  check=False)  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster() -> Cluster:
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: run `bash .ci/run`, which installs it.")
    folder = Path(tempfile.mkdtemp(prefix="commander-pg-"))
    run_as = "nobody" if os.geteuid() == 0 else None
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    server_cert.private_key_pem.write_to_path(str(folder / "server.key"))
    server_cert.cert_chain_pems[0].write_to_path(str(folder / "server.crt"))
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    (folder / "server.key").chmod(0o600)
    password_file = folder / "superuser-password"
    password_file.write_text("unused-superuser-password\n")
    if run_as is not None:
        user = pwd.getpwnam(run_as)
        for path in (folder, folder / "server.key", folder / "server.crt", password_file):
            os.chown(path, user.pw_uid, user.pw_gid)
        folder.chmod(0o755)  # the tests (root) read the CA; the socket lives here too
    port = _free_port()
    cluster = Cluster(folder, port, bin_dir, ca_file, run_as)
    cluster._run(
        str(bin_dir / "initdb"),
        "-D",
        str(cluster.data),
        "-U",
        SUPERUSER,
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        f"--pwfile={password_file}",
        "-E",
        "UTF8",
        "--locale=C",
    )
    with (cluster.data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{folder}'\n"
            f"ssl = on\nssl_cert_file = '{folder / 'server.crt'}'\n"
            f"ssl_key_file = '{folder / 'server.key'}'\n"
            # fsync off: the machine does not crash under a test; a server killed by the
            # partition test keeps every commit it acknowledged (synchronous_commit on).
            "fsync = off\nfull_page_writes = off\n"
            "max_connections = 60\nshared_buffers = 64MB\n"
        )
    with (cluster.data / "pg_hba.conf").open("w") as hba:
        hba.write(
            "local all all trust\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "hostnossl all all 127.0.0.1/32 reject\n"
        )
    cluster.start()
    cluster.admin(
        f"CREATE ROLE {OWNER} LOGIN PASSWORD '{OWNER_PASSWORD}'; "
        f"CREATE ROLE {MEMBER} LOGIN PASSWORD '{MEMBER_PASSWORD}'"
    )
    return cluster


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")
