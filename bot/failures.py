"""Describing a failure in a log line without what the visitor wrote.

An exception's message can quote its input (a UnicodeEncodeError shows the
string, a KeyError the key): logs keep the exception's type and where it was
raised, never its message.
"""

from __future__ import annotations

import traceback
from pathlib import Path

FRAMES_SHOWN = 6


def failure_summary(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)[-FRAMES_SHOWN:]
    where = " < ".join(
        f"{Path(frame.filename).name}:{frame.lineno} {frame.name}" for frame in reversed(frames)
    )
    return f"{type(error).__name__} at {where or 'unknown place'}"
