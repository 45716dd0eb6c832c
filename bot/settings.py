"""All configuration, read from the environment with working defaults.

Staff change the contact address or the ports here (or in the environment)
without retraining: the model never holds these values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Tuple

PROJECT_DIR = Path(__file__).resolve().parent.parent

# The address given on the source page for the Pôle Cohésion sociale territoriale.
DEFAULT_CONTACT_EMAIL = "DRJSCS34-COHESION-SOCIALE@drjscs.gouv.fr"


def _path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else PROJECT_DIR / path


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("0", "false", "no", "non", "off", "")


# Default SMTP port of each connection security.
SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
# Shorter admin or action-server tokens are refused: they could be guessed.
MIN_SECRET_CHARS = 32


class SettingsError(ValueError):
    """A setting that would make the assistant unsafe or unable to run."""


def _secret(name: str) -> str:
    value = os.environ.get(name, "")
    if value and len(value) < MIN_SECRET_CHARS:
        raise SettingsError(f"{name} must be at least {MIN_SECRET_CHARS} characters long")
    return value


@dataclass(frozen=True)
class SmtpSettings:
    """How escalation e-mails leave (bot/outbox.py).

    Dry run by default: nothing is sent, each message waits in the outbox folder
    until `bot outbox --send` is run with a real server configured.
    """

    host: str
    port: int
    security: str  # one of SMTP_PORTS
    user: str
    password: str = field(repr=False)
    sender: str
    dry_run: bool
    timeout_s: float

    @classmethod
    def from_env(cls, contact_email: str) -> SmtpSettings:
        env = os.environ.get
        security = env("SMTP_SECURITY", "starttls").strip().lower()
        if security not in SMTP_PORTS:
            raise SettingsError(f"SMTP_SECURITY must be one of {', '.join(SMTP_PORTS)}")
        if security == "none" and env("SMTP_USER", ""):
            # The password would cross the network in clear.
            raise SettingsError("SMTP_USER needs SMTP_SECURITY=starttls or ssl")
        return cls(
            host=env("SMTP_HOST", "localhost"),
            port=int(env("SMTP_PORT", str(SMTP_PORTS[security]))),
            security=security,
            user=env("SMTP_USER", ""),
            password=env("SMTP_PASSWORD", ""),
            sender=env("SMTP_FROM", contact_email),
            dry_run=_flag(env("SMTP_DRY_RUN", "1")),
            timeout_s=float(env("SMTP_TIMEOUT", "15")),
        )


@dataclass(frozen=True)
class Settings:
    contact_email: str
    host: str
    action_host: str
    rasa_port: int
    action_port: int
    web_port: int
    tracker_db: Path
    models_dir: Path
    endpoints_file: Path
    cors_origins: Tuple[str, ...]
    max_message_chars: int
    rate_limit_per_sender: int
    rate_limit_per_ip: int
    trusted_proxies: Tuple[str, ...]
    max_request_bytes: int
    messages_at_once: int
    restart_delay_s: float
    retention_days: int
    handoffs_per_day: int
    api_token: str = field(repr=False)
    action_token: str = field(repr=False)
    smtp: SmtpSettings
    outbox_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ.get
        web_port = int(env("WEB_PORT", "8080"))
        contact_email = env("CONTACT_EMAIL", DEFAULT_CONTACT_EMAIL)
        return cls(
            contact_email=contact_email,
            host=env("BOT_HOST", "127.0.0.1"),
            # Only the Rasa servers call the action server: never on every interface
            # unless configured (the scale-out set-up also needs ACTION_SERVER_TOKEN).
            action_host=env("ACTION_HOST", "127.0.0.1"),
            rasa_port=int(env("RASA_PORT", "5005")),
            action_port=int(env("ACTION_PORT", "5055")),
            web_port=web_port,
            tracker_db=_path(env("TRACKER_DB", "var/tracker.db")),
            models_dir=_path(env("MODELS_DIR", "models")),
            # endpoints-scale.yml for several Rasa servers sharing PostgreSQL and Redis.
            endpoints_file=_path(env("ENDPOINTS_FILE", "endpoints.yml")),
            # Longer messages are refused with a polite reply (the widget checks it too).
            max_message_chars=int(env("MAX_MESSAGE_CHARS", "1000")),
            # Messages per minute; beyond, a polite refusal (HTTP 429); 0 turns it off.
            rate_limit_per_sender=int(env("RATE_LIMIT_PER_SENDER", "30")),
            rate_limit_per_ip=int(env("RATE_LIMIT_PER_IP", "300")),
            # Reverse proxies whose X-Forwarded-For is believed (space-separated
            # addresses); from anyone else the header is ignored (bot/guard.py).
            trusted_proxies=tuple(env("TRUSTED_PROXIES", "").split()),
            # Bodies larger than this are refused before they are read whole.
            max_request_bytes=int(env("MAX_REQUEST_BYTES", "8192")),
            # Messages one Rasa server handles at a time; the others wait their turn
            # (bot/channel.py). 4 measured best at 50 users (docs/benchmarks.md).
            messages_at_once=int(env("MESSAGES_AT_ONCE", "4")),
            # `bot run` restarts a server that died after this many seconds.
            restart_delay_s=float(env("RESTART_DELAY_S", "1")),
            # Conversations and e-mails older than this are deleted by the running
            # assistant every day (bot/retention.py) and by `bot purge` (privacy note).
            retention_days=int(env("RETENTION_DAYS", "30")),
            # E-mails the whole deployment may send to the team in a day
            # (actions/handoff_send.py): a flood of hand-offs stops there.
            handoffs_per_day=int(env("HANDOFFS_PER_DAY", "50")),
            # Empty: Rasa's HTTP admin API stays off. Set: on, behind this token.
            api_token=_secret("RASA_API_TOKEN"),
            # Sent by the Rasa servers to the action server, which refuses calls
            # without it. Empty: `bot run` makes a random one for its two servers.
            action_token=_secret("ACTION_SERVER_TOKEN"),
            # Escalation e-mails: SMTP server, and the folder where each one waits.
            smtp=SmtpSettings.from_env(contact_email),
            outbox_dir=_path(env("OUTBOX_DIR", "var/outbox")),
            # The sites allowed to call the REST channel from a browser; by default
            # only the demo page served by `bot run`.
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
