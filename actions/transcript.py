"""The conversation as the team reads it in an escalation e-mail."""

from __future__ import annotations

from datetime import datetime
from typing import Dict, List

from rasa_sdk import Tracker


def _when(event: dict) -> str:
    return datetime.fromtimestamp(event.get("timestamp") or 0).strftime("%d/%m/%Y %H:%M")


def transcript(tracker: Tracker) -> List[str]:
    """One line per message; a clicked button shows as its title, not its payload."""
    lines: List[str] = []
    button_titles: Dict[str, str] = {}
    for event in tracker.events:
        text = (event.get("text") or "").strip()
        if not text:
            continue
        if event.get("event") == "bot":
            lines.append(f"[{_when(event)}] Assistant : {text}")
            buttons = (event.get("data") or {}).get("buttons") or []
            button_titles = {b.get("payload", ""): b.get("title", "") for b in buttons}
        elif event.get("event") == "user":
            shown = f"[bouton] {button_titles[text]}" if text in button_titles else text
            lines.append(f"[{_when(event)}] Personne : {shown}")
    return lines
