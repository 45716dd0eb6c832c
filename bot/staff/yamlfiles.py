"""Reading YAML with line numbers and writing it back unchanged but for the edit.

ruamel.yaml (installed with Rasa) in round-trip mode keeps comments, quotes and
layout; its settings here reproduce the project's files byte for byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML


def _yaml() -> YAML:
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def load(path: Path) -> Any:
    return _yaml().load(path.read_text(encoding="utf-8"))


def dump(data: Any, path: Path) -> None:
    with path.open("w", encoding="utf-8") as stream:
        _yaml().dump(data, stream)


def key_line(mapping: Any, key: str) -> int:
    """1-based line of `key` in a mapping loaded by `load`."""
    return mapping.lc.key(key)[0] + 1


def value_line(mapping: Any, key: str) -> int:
    return mapping.lc.value(key)[0] + 1


def item_line(sequence: Any, index: int) -> int:
    return sequence.lc.item(index)[0] + 1
