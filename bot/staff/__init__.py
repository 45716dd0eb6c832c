"""Staff tools of the `bot` command, one module each: validate, review, report, outbox, purge.

Each module has NAME, add_parser(subparsers) and run(args) -> exit code; its
output is in French, for the staff who keep the answers right.
"""

from __future__ import annotations

import argparse
from typing import Callable, Dict

from bot.staff import outbox, purge, report, review, validate

_MODULES = (validate, review, report, outbox, purge)

STAFF_COMMANDS: Dict[str, Callable[[argparse.Namespace], int]] = {m.NAME: m.run for m in _MODULES}


def add_staff_parsers(sub: argparse._SubParsersAction) -> None:
    for module in _MODULES:
        module.add_parser(sub)
