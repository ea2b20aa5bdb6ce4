"""Flags the engine itself puts on a triage result, so the console and outcomes can recognise them.

Rule files may add their own flags on endpoints (free Swedish text); these are the ones the
engine adds by rule, and `FLAG_RLS_CONSULT` is the one rule files use for "ask the physician".
"""

FLAG_RLS_CONSULT = "RLS-konsultation"
"""The rules say the RLS physician should be consulted before or during dispatch."""

FLAG_RECONTACT = "RLS-granskning: återkontakt"
"""A recontact within the window after a contact that ended 'lämnad hemma'."""

FLAG_OVERRIDE = "RLS-granskning: överstyrning"
"""The nurse overrode the priority or the care need (with a reason)."""

REVIEW_FLAGS = frozenset({FLAG_RLS_CONSULT, FLAG_RECONTACT, FLAG_OVERRIDE})
"""Flags that put the case in the RLS physician's queue (consult, recontact, override)."""
