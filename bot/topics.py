"""The topic catalogue (bot/topics.yml): French labels and areas of the intents."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, Optional

import yaml

TOPICS_FILE = Path(__file__).with_name("topics.yml")

# Areas whose topics are answered from the page; follow-ups refer to them.
SCHEME_AREAS = frozenset({"education", "employment", "discrimination", "context"})


@dataclass(frozen=True)
class Topic:
    intent: str
    label: str
    area: str

    @property
    def is_scheme(self) -> bool:
        return self.area in SCHEME_AREAS


@lru_cache(maxsize=1)
def load_topics() -> Dict[str, Topic]:
    raw = yaml.safe_load(TOPICS_FILE.read_text(encoding="utf-8"))
    return {
        intent: Topic(intent=intent, label=entry["label"], area=entry["area"])
        for intent, entry in raw.items()
    }


def topic_hint(topic: Optional[Topic]) -> str:
    """The topic as the escalation answers name it (« …ni les dates pour « X » »)."""
    return f" pour « {topic.label} »" if topic else ""
