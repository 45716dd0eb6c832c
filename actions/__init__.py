"""Custom actions run by the Rasa SDK action server (`python -m rasa_sdk --actions actions`)."""

from actions.clarify import ActionClarify
from actions.escalate import ActionEscalate
from actions.handoff_form import ActionHandoffStart, ValidateHandoffForm
from actions.handoff_send import ActionSendToTeam

__all__ = [
    "ActionClarify",
    "ActionEscalate",
    "ActionHandoffStart",
    "ActionSendToTeam",
    "ValidateHandoffForm",
]
