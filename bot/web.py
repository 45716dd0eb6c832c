"""Serves the demo page of the office with the chat widget embedded (web/).

Only files of web/ with a known static type are served: no directory listing,
no hidden file, nothing outside web/ (anything else is a 404).

HTML pages may hold these placeholders, so that the demo follows the settings:
__RASA_SERVER_URL__ (the address of the running Rasa server),
__MAX_MESSAGE_CHARS__ (the longest message accepted) and __SESSION_MINUTES__
(the conversation session of domain.yml, which the widget's copy of the
conversation in the browser must not outlive).
"""

from __future__ import annotations

import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import unquote, urlsplit

import yaml

from bot.settings import PROJECT_DIR, Settings

WEB_DIR = PROJECT_DIR / "web"
DOMAIN_FILE = PROJECT_DIR / "domain.yml"
# Rasa's own default when domain.yml sets no session_expiration_time.
RASA_SESSION_MINUTES = 60.0

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


def session_minutes(domain_file: Path = DOMAIN_FILE) -> float:
    """How long a conversation session lasts without a message (domain.yml), in minutes."""
    domain = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    session = domain.get("session_config") or {}
    return float(session.get("session_expiration_time", RASA_SESSION_MINUTES))


def static_file(request_path: str, root: Path = WEB_DIR) -> Optional[Path]:
    """The file of `root` a request path names, or None if it must not be served.

    Refused: directories, hidden files, `..` (also percent-encoded), backslashes,
    symbolic links leading out of `root` and file types not in CONTENT_TYPES.
    """
    path = unquote(urlsplit(request_path).path)
    if path == "/":
        path = "/index.html"
    if not path.startswith("/") or "\\" in path or "\0" in path:
        return None
    parts = path[1:].split("/")
    if any(part in ("", "..") or part.startswith(".") for part in parts):
        return None
    base = root.resolve()
    file = base.joinpath(*parts).resolve()
    if not file.is_relative_to(base) or not file.is_file():
        return None
    return file if file.suffix in CONTENT_TYPES else None


class DemoSiteHandler(BaseHTTPRequestHandler):
    server_version = "demo-site"
    sys_version = ""
    error_content_type = "text/html; charset=utf-8"
    error_message_format = (
        '<!doctype html>\n<html lang="fr">\n<head><meta charset="utf-8">'
        "<title>%(code)d %(message)s</title></head>\n"
        "<body><h1>%(message)s</h1><p>%(explain)s</p></body>\n</html>\n"
    )

    def __init__(self, *args: Any, placeholders: Dict[str, str], **kwargs: Any) -> None:
        self.placeholders = placeholders
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self.respond(with_body=True)

    def do_HEAD(self) -> None:
        self.respond(with_body=False)

    def respond(self, with_body: bool) -> None:
        file = static_file(self.path)
        if file is None:
            self.send_error(
                404, "Page introuvable", "Aucune page de ce site ne correspond à cette adresse."
            )
            return
        data = file.read_bytes()
        if file.suffix == ".html":
            body = data.decode("utf-8")
            for placeholder, value in self.placeholders.items():
                body = body.replace(placeholder, value)
            data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPES[file.suffix])
        self.send_header("Content-Length", str(len(data)))
        # The browser keeps to the type above (no guessing a script out of a page).
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Access logs would only repeat what the browser shows."""


def start_demo_site(settings: Settings) -> ThreadingHTTPServer:
    """Starts the static demo site in a background thread and returns its server."""
    placeholders = {
        "__RASA_SERVER_URL__": f"http://localhost:{settings.rasa_port}",
        "__MAX_MESSAGE_CHARS__": str(settings.max_message_chars),
        "__SESSION_MINUTES__": f"{session_minutes():g}",
    }
    handler = partial(DemoSiteHandler, placeholders=placeholders)
    server = ThreadingHTTPServer((settings.host, settings.web_port), handler)
    threading.Thread(target=server.serve_forever, name="demo-site", daemon=True).start()
    return server
