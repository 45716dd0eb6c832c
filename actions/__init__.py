"""Custom actions run by the Rasa SDK action server (`python -m rasa_sdk --actions actions`)."""

from actions.clarify import ActionClarify
from actions.escalate import ActionEscalate

__all__ = ["ActionClarify", "ActionEscalate"]
