"""Swedish names of the triage complaint codes (BRÖST → "Bröstsmärta") for every view that lists
cases. The names come from the rule set the console runs (registered at start) and, for codes it
does not know, from the newest installed rule set; an unknown code is shown as it is."""

from __future__ import annotations

import logging
from functools import cache

from triage_rules.schema import RuleSet

log = logging.getLogger("larmcentral.console")
_registered: dict[str, str] = {}


def register_ruleset(ruleset: RuleSet) -> None:
    _registered.update({c.code: c.name for c in ruleset.complaints})


@cache
def _installed() -> dict[str, str]:
    from triage_rules.loader import load_ruleset

    try:
        return {c.code: c.name for c in load_ruleset().complaints}
    except Exception as exc:  # noqa: BLE001 - a broken rule-set file must not stop a list from showing
        log.warning("complaint names unavailable: %s", exc)
        return {}


def complaint_name(code: str | None) -> str:
    if not code:
        return ""
    return _registered.get(code) or _installed().get(code) or code
