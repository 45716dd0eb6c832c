from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.assistant import Assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """The real assistant (action server, Rasa server, SQLite tracker store)."""
    running = Assistant(Path(tmp_path_factory.mktemp("assistant"))).start()
    yield running
    running.stop()
