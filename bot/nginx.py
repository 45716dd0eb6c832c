"""nginx in front of Rasa servers: the load balancer of docs/scaling.md.

Round robin over the servers, no sticky sessions (any server can take any
message: they share PostgreSQL and Redis). nginx appends the visitor's address
to X-Forwarded-For; the Rasa servers believe that header only from the
addresses in TRUSTED_PROXIES, so the rate limits count each visitor and not
the proxy. A `Forwarded` header from the client is dropped here, so no other
component can be misled by it.

`proxy` runs a throwaway nginx (Debian's package, `make datastores`) of its
own, never the system's service: its configuration, pid file, logs and buffers
live in the caller's folder.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

READY_TIMEOUT_S = 30

# The access log says which server took each request: the tests check the spread.
CONFIG = """\
{user}worker_processes 1;  # one round robin for every request
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    log_format balanced '$remote_addr $upstream_addr $status';
    access_log {folder}/access.log balanced;
    client_body_temp_path {folder}/client-body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;

    upstream rasa {{
{servers}
    }}

    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 64k;

        location / {{
            proxy_pass http://rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header Forwarded "";
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


def config(port: int, upstream_ports: List[int], folder: Path) -> str:
    """nginx's configuration: listening on 127.0.0.1:`port`, in front of the given servers."""
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in upstream_ports)
    # As root, nginx's workers would otherwise run as `nobody`, who may not enter `folder`.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return CONFIG.format(user=user, folder=folder, servers=servers, port=port)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def proxy(port: int, upstream_ports: List[int], folder: Path) -> Iterator[str]:
    """nginx on 127.0.0.1:`port` in front of the servers; yields its base URL."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    conf.write_text(config(port, upstream_ports, folder), encoding="utf-8")
    # -e: the error log before the configuration is read (the default is the system's).
    command = ["nginx", "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(conf)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                errors = (folder / "error.log").read_text(errors="replace")
                raise RuntimeError(f"nginx did not start on port {port}:\n{errors}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()  # SIGTERM: nginx's fast shutdown
        process.wait(timeout=30)
