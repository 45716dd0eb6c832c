"""`python -m bot.action_server`: the Rasa SDK action server, closed to strangers.

Rasa SDK's own server listens on every interface, answers anyone, inflates
deflate-compressed bodies of any size and echoes the whole request (the
conversation) in its error replies, which Rasa then logs. This one runs the
same app with:
- the address of the settings (ACTION_HOST, 127.0.0.1 by default);
- a shared secret: calls to /webhook without the header ACTION_TOKEN_HEADER
  carrying ACTION_SERVER_TOKEN get a 401 (Rasa sends it, endpoints*.yml);
- compressed bodies refused (415) and bodies over MAX_ACTION_REQUEST_BYTES
  refused before they are read (413);
- errors answered and logged without any of the conversation.
"""

from __future__ import annotations

import hmac
import logging
import sys
from typing import Optional

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.failures import failure_summary
from bot.settings import Settings, SettingsError, load_settings

logger = logging.getLogger(__name__)

ACTION_TOKEN_HEADER = "X-Action-Token"
# Rasa sends the tracker's current session with each call: a long session is
# well under 1 MB; sessions end after an hour without a message.
MAX_ACTION_REQUEST_BYTES = 4 * 1024 * 1024
OPEN_PATHS = frozenset({"/health"})


def build_app(settings: Settings) -> Sanic:
    if not settings.action_token:
        raise SettingsError("ACTION_SERVER_TOKEN must be set for the action server")
    app = create_app("actions", cors_origins=[])
    app.config.REQUEST_MAX_SIZE = MAX_ACTION_REQUEST_BYTES
    expected = settings.action_token.encode()

    @app.middleware("request")
    async def only_rasa(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        token = request.headers.get(ACTION_TOKEN_HEADER, "").encode()
        if not hmac.compare_digest(token, expected):
            return response.json({"error": "Unauthorized"}, status=401)
        if request.headers.get("content-encoding", "identity").lower() != "identity":
            return response.json({"error": "Compressed bodies are not accepted"}, status=415)
        return None

    def failed(request: Request, exception: Exception) -> HTTPResponse:
        if isinstance(exception, SanicException):
            return response.json({"error": type(exception).__name__}, status=exception.status_code)
        logger.error("Action failed: %s", failure_summary(exception))
        return response.json({"error": "Action failed"}, status=500)

    # Replaces Rasa SDK's handler, which answers with the request's body.
    app.error_handler.add(Exception, failed)
    return app


def main() -> int:
    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    settings = load_settings()
    try:
        app = build_app(settings)
    except SettingsError as error:
        print(f"Cannot start the action server: {error}", file=sys.stderr)
        return 2
    app.run(settings.action_host, settings.action_port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
