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
    running.assert_no_handling_failure()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Says how many fuzzed requests reached the running REST channel."""
    from tests.test_bad_input import _tried

    if _tried["count"]:
        terminalreporter.write_line(
            f"fuzzing: {_tried['count']} generated requests sent to the REST channel"
        )
