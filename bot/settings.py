"""All configuration, read from the environment with working defaults.

Staff change the contact address or the ports here (or in the environment)
without retraining: the model never holds these values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

PROJECT_DIR = Path(__file__).resolve().parent.parent

# The address given on the source page for the Pôle Cohésion sociale territoriale.
DEFAULT_CONTACT_EMAIL = "DRJSCS34-COHESION-SOCIALE@drjscs.gouv.fr"


def _path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else PROJECT_DIR / path


@dataclass(frozen=True)
class Settings:
    contact_email: str
    host: str
    rasa_port: int
    action_port: int
    web_port: int
    tracker_db: Path
    models_dir: Path
    cors_origins: Tuple[str, ...]
    max_message_chars: int

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        web_port = int(env("WEB_PORT", "8080"))
        return cls(
            contact_email=env("CONTACT_EMAIL", DEFAULT_CONTACT_EMAIL),
            host=env("BOT_HOST", "127.0.0.1"),
            rasa_port=int(env("RASA_PORT", "5005")),
            action_port=int(env("ACTION_PORT", "5055")),
            web_port=web_port,
            tracker_db=_path(env("TRACKER_DB", "var/tracker.db")),
            models_dir=_path(env("MODELS_DIR", "models")),
            # The sites allowed to call the REST channel from a browser; by default
            # only the demo page served by `bot run`.
            # Longer messages are refused with a polite reply (the widget checks it too).
            max_message_chars=int(env("MAX_MESSAGE_CHARS", "1000")),
            cors_origins=tuple(
                env(
                    "CORS_ORIGINS", f"http://localhost:{web_port} http://127.0.0.1:{web_port}"
                ).split()
            ),
        )

    @property
    def rest_url(self) -> str:
        return f"http://localhost:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def action_endpoint_url(self) -> str:
        return f"http://localhost:{self.action_port}/webhook"

    @property
    def web_url(self) -> str:
        return f"http://localhost:{self.web_port}/"


def load_settings() -> Settings:
    return Settings.from_env()
