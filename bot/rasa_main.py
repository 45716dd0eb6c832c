"""`python -m bot.rasa_main run …` is `rasa run …` with bot/speedups.py installed
and the public server hardened (bot/hardening.py).

bot/servers.py starts the Rasa server this way. The admin API's token is read
from the environment here, never from the command line, where `ps` shows it.
"""

from __future__ import annotations

import sys


def main() -> None:
    # TensorFlow 2.12 imports JAX, when installed (TensorFlow requires it), only
    # for TFLite's JAX converter, which Rasa never uses: 66 MB of resident
    # memory. Importing it now fails, as if it were not installed, and
    # TensorFlow skips it. This must come before anything imports Rasa.
    sys.modules.setdefault("jax", None)  # type: ignore[arg-type]
    from rasa.__main__ import main as rasa_main

    from bot import hardening, speedups
    from bot.settings import load_settings

    settings = load_settings()
    speedups.install()
    hardening.install(settings)
    if settings.api_token:
        # In this process's arguments only: /proc/<pid>/cmdline keeps the original.
        sys.argv += ["--enable-api", "--auth-token", settings.api_token]
    rasa_main()


if __name__ == "__main__":
    main()
