"""The demo site served by `bot run`: only the static files of web/, with their type.

Requests go through http.client, which sends the path exactly as written
(requests and browsers would resolve `..` before sending it).
"""

from __future__ import annotations

import http.client
import re
from pathlib import Path
from typing import Tuple

import pytest

from bot.web import WEB_DIR, session_minutes, static_file
from tests.assistant import Assistant

OUTSIDE_WEB = [
    "/../pyproject.toml",
    "/%2e%2e/pyproject.toml",
    "/%2E%2E/%2e%2e/etc/passwd",
    "/widget/../../pyproject.toml",
    "/widget/%2e%2e/%2e%2e/pyproject.toml",
    "/..%2fpyproject.toml",
    "/%2e%2e%2fpyproject.toml",
    "/widget/..%5c..%5cpyproject.toml",
    "//etc/passwd",
    "/%2fetc/passwd",
    "/widget/chat-widget.js%00.html",
]


def get(assistant: Assistant, path: str, method: str = "GET") -> Tuple[int, str, str]:
    """Status, Content-Type and body of one request sent as written."""
    connection = http.client.HTTPConnection("127.0.0.1", assistant.web_port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", errors="replace")
        return response.status, response.getheader("Content-Type", ""), body
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/confidentialite.html?page=1", "text/html; charset=utf-8"),
        ("/widget/chat-widget.js", "text/javascript; charset=utf-8"),
        ("/widget/chat-widget.css", "text/css; charset=utf-8"),
        ("/assets/site.css", "text/css; charset=utf-8"),
    ],
)
def test_the_pages_and_the_widget_are_served_with_their_type(
    assistant: Assistant, path: str, content_type: str
) -> None:
    status, served_type, body = get(assistant, path)
    assert (status, served_type) == (200, content_type)
    assert body
    assert "__RASA_SERVER_URL__" not in body and "__MAX_MESSAGE_CHARS__" not in body


@pytest.mark.parametrize("path", ["/widget/", "/assets/", "/widget", "/assets", "/widget/?C=M"])
def test_directories_are_not_listed(assistant: Assistant, path: str) -> None:
    status, _, body = get(assistant, path)
    assert status == 404
    assert "Page introuvable" in body
    assert "chat-widget" not in body and "site.css" not in body


@pytest.mark.parametrize("path", OUTSIDE_WEB)
def test_nothing_outside_web_is_served(assistant: Assistant, path: str) -> None:
    status, _, body = get(assistant, path)
    assert status == 404, body[:200]
    assert "[project]" not in body and "root:" not in body


def test_other_methods_than_get_and_head_are_refused(assistant: Assistant) -> None:
    assert get(assistant, "/index.html", "HEAD")[::2] == (200, "")
    for method in ("POST", "PUT", "DELETE"):
        assert get(assistant, "/index.html", method)[0] == 501


def test_only_known_static_types_inside_the_root_are_served(tmp_path: Path) -> None:
    root = tmp_path / "web"
    (root / "widget").mkdir(parents=True)
    for name in ("page.html", "widget/app.js", "notes.md", "server.py", "data.yml", ".env"):
        (root / name).write_text("x")
    (tmp_path / "secret.html").write_text("x")
    (root / "link.html").symlink_to(tmp_path / "secret.html")
    (root / "outside").symlink_to(tmp_path)

    assert static_file("/page.html", root) == root / "page.html"
    assert static_file("/widget/app.js", root) == root / "widget" / "app.js"
    for refused in ("/notes.md", "/server.py", "/data.yml", "/.env", "/widget/", "/widget"):
        assert static_file(refused, root) is None, refused
    # Symbolic links leading out of the root are not followed.
    assert static_file("/link.html", root) is None
    assert static_file("/outside/secret.html", root) is None


def test_the_widget_keeps_the_conversation_no_longer_than_the_servers_session() -> None:
    """The widget's default session is domain.yml's, for pages that do not pass it."""
    widget = (WEB_DIR / "widget" / "chat-widget.js").read_text(encoding="utf-8")
    default = re.search(r"\bsessionMinutes: (\d+(?:\.\d+)?),", widget)
    assert default is not None, "DEFAULTS.sessionMinutes is missing in chat-widget.js"
    assert float(default.group(1)) == session_minutes()


@pytest.mark.parametrize("page", ["/", "/confidentialite.html"])
def test_the_demo_pages_pass_the_servers_session_to_the_widget(
    assistant: Assistant, page: str
) -> None:
    _, _, body = get(assistant, page)
    passed = re.search(
        r'<script src="widget/chat-widget\.js"[^>]*data-session-minutes="([^"]*)"', body
    )
    assert passed is not None, (
        f'{page}: the widget\'s script tag needs data-session-minutes="__SESSION_MINUTES__"'
    )
    assert float(passed.group(1)) == session_minutes()
