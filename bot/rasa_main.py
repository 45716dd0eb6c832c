"""`python -m bot.rasa_main run …` is `rasa run …` with bot/speedups.py installed.

bot/servers.py starts the Rasa server this way.
"""

from __future__ import annotations

from bot import speedups


def main() -> None:
    speedups.install()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
