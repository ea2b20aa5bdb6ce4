"""What the triage wizard shows, as plain data (the view never touches the engine directly).

console.calltaking.triage_driver fills these from triage_rules' TriageSession.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from resources.care_need import CareNeed
from resources.vocabulary import Priority
from triage_rules.results import LimitationNotice


@dataclass(frozen=True)
class QuestionView:
    id: str
    text: str
    kind: str  # yes_no | choice | vital
    help: str = ""
    options: tuple[tuple[Any, str], ...] = ()  # (value, label); "vet ej" is always last
    unit: str = ""
    range: tuple[float, float] | None = None
    unknown_value: Any = "vet_ej"


@dataclass(frozen=True)
class PathStep:
    question_id: str
    question: str
    answer: str
    value: Any = None  # the raw answer (for a draft); None for automatic context steps


@dataclass(frozen=True)
class RedFlagChoice:
    """A red flag the nurse can raise now: its id (never shown), the Swedish text and what it leads to."""

    id: str
    text: str
    detail: str = ""


@dataclass(frozen=True)
class WizardState:
    complaint: str | None = None
    complaint_name: str = ""
    question: QuestionView | None = None
    priority: Priority | None = None
    reasons: tuple[str, ...] = ()
    path: tuple[PathStep, ...] = ()
    done: bool = False
    endpoint_code: str | None = None
    care_need: CareNeed | None = None
    flags: tuple[str, ...] = field(default_factory=tuple)
    # The patient's documented treatment limitations, each saying whether this path is one it concerns (`applies`:
    # the nurse must decide before the call is sent); they never change the path
    limitations: tuple[LimitationNotice, ...] = ()

    @property
    def is_referral(self) -> bool:
        """An endpoint without a unit (1177, egenvårdsråd, direktbokning): completed from the call."""
        return self.done and self.priority is Priority.REFERRAL
