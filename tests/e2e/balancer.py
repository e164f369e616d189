"""Debian's nginx as the load balancer in front of several replicas of each service, run as the
test's own user with everything (config, pid, logs, temp files) in one scratch directory.

Each service gets an upstream of its replicas and a listening port; the platform's URLs are
those ports, so a replica reaches the other services through the balancer, as it would across
machines. The access log records which replica answered each request (``$upstream_addr``).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

LOG_FORMAT = "'$request_method $uri $status $upstream_addr'"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found:
        # Not a skip: CI installs the package (.ci/run, make system-deps), so a missing nginx is
        # a broken machine, not an optional test.
        raise RuntimeError("nginx is not installed: apt-get install nginx (make system-deps)")
    return found


def nginx_conf(prefix: Path, listen: dict[str, int], replicas: dict[str, list[int]]) -> str:
    # As root, nginx would hand its workers to "nobody", who cannot write the scratch directory;
    # the workers stay the test's user instead (a non-root user needs no directive).
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    upstreams = "".join(
        f"    upstream {svc} {{\n"
        # max_fails=0: a replica that refused a connection while it started is not set aside
        # for ten seconds (nginx's default), which would leave the other one every request of a
        # short test; a request that meets a refusal still moves on to the next replica.
        + "".join(f"        server 127.0.0.1:{port} max_fails=0;\n" for port in ports)
        + "        keepalive 16;\n    }\n"
        for svc, ports in replicas.items()
    )
    servers = "".join(
        f"""    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://{svc};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # The revocation stream is long-lived and must reach the service as it is written.
            proxy_buffering off;
            proxy_request_buffering off;
            proxy_read_timeout 3600s;
        }}
    }}
"""
        for svc, port in listen.items()
    )
    return f"""{user}worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format replica {LOG_FORMAT};
    access_log {prefix}/access.log replica;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 50m;
{upstreams}{servers}}}
"""


@dataclass
class Balancer:
    prefix: Path
    listen: dict[str, int]
    replicas: dict[str, list[int]]
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def url(self, svc: str) -> str:
        return f"http://127.0.0.1:{self.listen[svc]}"

    def start(self) -> None:
        self.prefix.mkdir(parents=True, exist_ok=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(nginx_conf(self.prefix, self.listen, self.replicas))
        binary = nginx_binary()
        check = subprocess.run(
            [binary, "-t", "-p", str(self.prefix), "-c", str(conf)],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise RuntimeError(f"nginx refused its config: {check.stderr}")
        self.proc = subprocess.Popen(
            [binary, "-p", str(self.prefix), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.prefix / "stderr.log", "ab"),  # noqa: SIM115 - lives with nginx
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.prefix / 'error.log').read_text()}")
            try:
                # Any answer (a 502 while the replicas start) shows nginx listens.
                httpx.get(self.url(next(iter(self.listen))) + "/healthz", timeout=1)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def answered_by(self, svc: str) -> set[str]:
        """The replica addresses that answered requests to ``svc``'s port (from the access log,
        whose lines do not name the port: the upstreams' ports are disjoint, so they tell)."""
        ports = {f"127.0.0.1:{p}" for p in self.replicas[svc]}
        seen: set[str] = set()
        log = self.prefix / "access.log"
        for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
            for addr in line.split(" ")[-1].replace(",", " ").split():
                if addr in ports:
                    seen.add(addr)
        return seen

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # SIGTERM: nginx's fast shutdown
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
