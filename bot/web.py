"""Serves the demo page of the office with the chat widget embedded (web/).

HTML pages may hold the placeholders __RASA_SERVER_URL__ (the address of the
running Rasa server) and __MAX_MESSAGE_CHARS__ (the longest message accepted),
so that the demo follows the settings.
"""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict

from bot.settings import PROJECT_DIR, Settings

WEB_DIR = PROJECT_DIR / "web"


class DemoSiteHandler(SimpleHTTPRequestHandler):
    def __init__(self, *args: Any, placeholders: Dict[str, str], **kwargs: Any) -> None:
        self.placeholders = placeholders
        super().__init__(*args, directory=str(WEB_DIR), **kwargs)

    def do_GET(self) -> None:
        page = Path(self.translate_path(self.path))
        if page.is_dir():
            page = page / "index.html"
        if page.suffix != ".html" or not page.is_file():
            super().do_GET()
            return
        body = page.read_text(encoding="utf-8")
        for placeholder, value in self.placeholders.items():
            body = body.replace(placeholder, value)
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Access logs would only repeat what the browser shows."""


def start_demo_site(settings: Settings) -> ThreadingHTTPServer:
    """Starts the static demo site in a background thread and returns its server."""
    placeholders = {
        "__RASA_SERVER_URL__": f"http://localhost:{settings.rasa_port}",
        "__MAX_MESSAGE_CHARS__": str(settings.max_message_chars),
    }
    handler = partial(DemoSiteHandler, placeholders=placeholders)
    server = ThreadingHTTPServer((settings.host, settings.web_port), handler)
    threading.Thread(target=server.serve_forever, name="demo-site", daemon=True).start()
    return server
