"""What the public Rasa server adds to Rasa's own Sanic app.

- Bodies over MAX_REQUEST_BYTES are refused (413, in French) from their
  Content-Length, before Sanic reads them: Sanic's default allows 100 MB.
- `GET /` says the server is up without telling Rasa's version.
- When the admin API is on, every route but the public ones needs `?token=`,
  compared in constant time before Rasa's own check (which is a plain `==`).

Installed by bot/rasa_main.py around `rasa.core.run.configure_app`, which
`rasa run` calls to build its app.
"""

from __future__ import annotations

import functools
import hmac
from typing import Any, Callable, Optional

import rasa.core.run
from sanic import Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.guard import Refusal
from bot.settings import Settings

# What anyone may call: the health check and the channels' webhooks.
PUBLIC_PREFIXES = ("/webhooks/",)
TOO_LARGE = "Votre message est trop long. Pouvez-vous poser votre question en plus court ?"
UNAUTHORIZED = {"status": "failure", "reason": "NotAuthenticated"}


def harden(app: Sanic, settings: Settings) -> None:
    app.config.REQUEST_MAX_SIZE = settings.max_request_bytes

    def too_large(request: Request, exception: Exception) -> HTTPResponse:
        return response.json(Refusal(413, TOO_LARGE).body(), status=413)

    app.error_handler.add(PayloadTooLarge, too_large)

    @app.middleware("request")
    async def guard_routes(request: Request) -> Optional[HTTPResponse]:
        if request.path == "/":
            return response.text("OK")
        if request.path.startswith(PUBLIC_PREFIXES) or not settings.api_token:
            return None
        token = request.args.get("token") or ""
        if hmac.compare_digest(token.encode(), settings.api_token.encode()):
            return None
        return response.json(UNAUTHORIZED, status=401)


def install(settings: Settings) -> None:
    configure_app: Callable[..., Sanic] = rasa.core.run.configure_app

    @functools.wraps(configure_app)
    def configure_hardened_app(*args: Any, **kwargs: Any) -> Sanic:
        app = configure_app(*args, **kwargs)
        harden(app, settings)
        return app

    rasa.core.run.configure_app = configure_hardened_app  # type: ignore[assignment]
