"""Rule-change proposals drafted from outcomes, decided by an RLS physician.

Drafting never changes a rule: it writes a RuleProposal with its evidence and puts a Review
(reason "proposal") in the physician queue. Only a physician's acceptance makes a new rule-set
version, whose readable diff is exactly the proposed change; every earlier version stays as it was and
stays loadable. Rejection is recorded.

Acceptance stores the new version's text in the database (outcomes.rulesets.publish_version, table
`ruleset_versions`) in the same transaction as the proposal's acceptance, so every console on the
database gets it (outcomes.rulesets.sync_rulesets). Order: sync the stored versions into the local
directory (so the base is the centre's newest version) → change, validate, diff → proposal row, version
row, audit, review sign-off → flush (database problems surface here, before any file exists) → write the
file into the local rule-set directory. The caller commits; if that commit fails, no database row stays,
and the file (best effort, as before) may remain on this console only.

Proposal kinds (thresholds in OutcomeSettings, docs/outcomes.md):
- lower_priority: a Prio 1 endpoint whose patients are mostly left at home — Wilson lower
  bound of the left-at-home rate above the threshold, at least `min_cases` cases, no under-triage.
  Lowered one step; the endpoint code's level follows (BRÖST.1.03 → BRÖST.2.03) and the questions
  that led to it are pointed at the new code.
- redirect_care_need: a Prio 2/3 endpoint whose care need asks for ambulance/lying transport although
  most patients stay home: the transport is dropped so the care need points at a lower palette resource.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from outcomes.proposal_target import describe_targets, first_choices
from outcomes.rulesets import publish_version, render_edit, stored_versions, sync_rulesets, write_text_version
from outcomes.settings import OutcomeSettings, outcome_settings
from outcomes.stats import GroupStats, OutcomeStatistics
from records.actor import Actor, NotPermitted
from records.audit import audit, now
from records.models import Review, RuleProposal
from records.review_queue import sign_off
from resources.datafile import load_yaml
from resources.vocabulary import Capability, Priority, Role, TransportNeed
from triage_rules import loader
from triage_rules.loader import RuleSetError

REVIEW_REASON = "proposal"
TRANSPORT_CAPABILITIES = frozenset({Capability.AMBULANCE_TRANSPORT.value, Capability.STRETCHER_TRANSPORT.value,
                                    Capability.SEATED_TRANSPORT.value})
_LOWER = {Priority.P1.value: Priority.P2.value, Priority.P2.value: Priority.P3.value}
_LEVEL = {"1": "1", "2": "2", "3": "3", "hänvisning": "H"}
_REF_KEYS = ("start", "if_yes", "if_no", "goto")

ChangeKind = Literal["lower_priority", "redirect_care_need"]
# (rule-set data as written, change) -> new data with exactly that change. Default: apply_change.
RuleChanger = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


class ProposalError(ValueError):
    """The proposal cannot be decided or applied; the message is Swedish."""


class ProposalView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    endpoint_code: str
    ruleset_version: str
    change: dict[str, Any]
    evidence: dict[str, Any]
    created_at: datetime
    status: str
    decided_by: int | None
    decided_at: datetime | None
    new_ruleset_version: str | None

    @property
    def description(self) -> str:
        return describe_change(self.change)


class Decision(BaseModel):
    proposal: ProposalView
    new_version: str | None = None
    path: str | None = None
    diff: list[str] = []


def describe_change(change: dict[str, Any]) -> str:
    if change["kind"] == "lower_priority":
        return (f"Sänk prioriteten för {change['endpoint_code']} från {_plabel(change['from_priority'])} till "
                f"{_plabel(change['to_priority'])} (ny kod {change['new_code']}).")
    target = describe_targets(change["targets"]) if change.get("targets") else (
        change.get("target_resource_name") or "annan resurs")
    return (f"Peka vårdbehovet för {change['endpoint_code']} mot {target}: transport "
            f"{TransportNeed(change['from_care_need']['transport']).label.lower()} → ingen transport.")


def _plabel(p: str) -> str:
    return Priority(p).label


# --- the change on rule-set data ----------------------------------------------------------------

def _find_endpoint(data: dict[str, Any], code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for complaint in data.get("complaints", []):
        for ep in complaint.get("endpoints", []):
            if ep.get("code") == code:
                return complaint, ep
    raise ProposalError(f"Ändpunkten {code} finns inte i regelverket.")


def _resolved_care_need(data: dict[str, Any], ep: dict[str, Any]) -> dict[str, Any]:
    ref = ep.get("care_need")
    spec = data.get("care_needs", {}).get(ref) if isinstance(ref, str) else ref
    if not isinstance(spec, dict):
        raise ProposalError(f"Ändpunkten {ep.get('code')} har inget vårdbehov att peka om.")
    return copy.deepcopy(spec)


def _new_code(complaint: dict[str, Any], old_code: str, to_priority: str) -> str:
    m = re.fullmatch(r"([A-ZÅÄÖ]+)\.(1|2|3|H)\.(\d{2})", old_code)
    if not m:
        raise ProposalError(f"Ändpunktskoden {old_code} följer inte mönstret KONTAKTORSAK.NIVÅ.KRITERIUM.")
    used = {e.get("code") for e in complaint.get("endpoints", [])}
    level = _LEVEL[to_priority]
    candidates = [int(m.group(3)), *range(1, 100)]
    for n in candidates:
        code = f"{m.group(1)}.{level}.{n:02d}"
        if code not in used:
            return code
    raise ProposalError(f"Ingen ledig ändpunktskod för {m.group(1)} på nivå {level}.")


def build_change(data: dict[str, Any], endpoint_code: str, kind: ChangeKind) -> dict[str, Any]:
    """The concrete change of `kind` for the endpoint, as it stands in `data` (the rule set as written)."""
    complaint, ep = _find_endpoint(data, endpoint_code)
    prio = str(ep.get("priority"))
    if kind == "lower_priority":
        if prio not in _LOWER:
            raise ProposalError(f"{endpoint_code} har {_plabel(prio)} och kan inte sänkas ett steg.")
        to = _LOWER[prio]
        return {"kind": kind, "endpoint_code": endpoint_code, "complaint": complaint["code"],
                "from_priority": prio, "to_priority": to, "new_code": _new_code(complaint, endpoint_code, to)}
    old = _resolved_care_need(data, ep)
    new = copy.deepcopy(old)
    new["capabilities"] = [c for c in old.get("capabilities", []) if c not in TRANSPORT_CAPABILITIES] or [
        Capability.NURSE_ASSESSMENT.value]
    new["transport"] = TransportNeed.NONE.value
    # What the dispatcher would then be offered, hour by hour: the real recommendation (service hours, whom a
    # type serves, transport), not a second algorithm.
    targets = [t.model_dump(exclude={"hours"}) for t in first_choices(new, prio, max_minutes=ep.get("max_minutes"))]
    lowest = next((t for t in targets if t["type_code"]), None)
    return {"kind": kind, "endpoint_code": endpoint_code, "complaint": complaint["code"],
            "from_care_need_ref": ep.get("care_need"), "from_care_need": old, "to_care_need": new,
            "target_resource": lowest["type_code"] if lowest else None,
            "target_resource_name": lowest["type_name"] if lowest else None, "targets": targets}


def apply_change(data: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """A copy of `data` with exactly `change` applied (and nothing else)."""
    new = copy.deepcopy(data)
    complaint, ep = _find_endpoint(new, change["endpoint_code"])
    if change["kind"] == "lower_priority":
        if str(ep.get("priority")) != change["from_priority"]:
            raise ProposalError(f"{change['endpoint_code']} har inte längre {_plabel(change['from_priority'])}; "
                                "regelverket har ändrats sedan förslaget skrevs.")
        old_code, new_code = change["endpoint_code"], change["new_code"]
        if any(e.get("code") == new_code for e in complaint.get("endpoints", [])):
            raise ProposalError(f"Koden {new_code} används redan i regelverket.")
        # Written as the file wrote it: `priority: 1` becomes `priority: 2`, not `priority: '2'`.
        to = int(change["to_priority"]) if isinstance(ep.get("priority"), int) else change["to_priority"]
        ep["priority"], ep["code"] = to, new_code
        _retarget(complaint, old_code, new_code)
    elif change["kind"] == "redirect_care_need":
        if ep.get("care_need") != change["from_care_need_ref"]:
            raise ProposalError(f"Vårdbehovet för {change['endpoint_code']} har ändrats sedan förslaget skrevs.")
        ep["care_need"] = copy.deepcopy(change["to_care_need"])
    else:
        raise ProposalError(f"Okänd ändringstyp {change['kind']!r}.")
    return new


def _retarget(node: Any, old: str, new: str) -> None:
    """Point every reference (start, if_yes, if_no, goto, options' goto) at `new` instead of `old`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _REF_KEYS and value == old:
                node[key] = new
            elif key != "endpoints":
                _retarget(value, old, new)
    elif isinstance(node, list):
        for item in node:
            _retarget(item, old, new)


def next_version(base: str, directory: Path | None = None, taken: Iterable[str] = ()) -> str:
    """The base version with its last number bumped until unused (on the search path and in `taken`):
    skane-2026.1 → skane-2026.2."""
    existing = set(loader.available_versions(directory)) | set(taken)
    m = re.fullmatch(r"(.*?)(\d+)", base)
    stem, n = (m.group(1), int(m.group(2))) if m else (f"{base}.", 0)
    while True:
        n += 1
        candidate = f"{stem}{n}"
        if candidate not in existing:
            return candidate


# --- drafting -----------------------------------------------------------------------------------

def candidate_kind(g: GroupStats, endpoint_priority: str, transport: str | None,
                   settings: OutcomeSettings) -> tuple[ChangeKind, str] | None:
    """Which change the outcomes call for, and why in Swedish; None below the minimum or the thresholds."""
    if g.group_by != "endpoint" or not g.enough_cases or g.n < settings.min_cases:
        return None
    if g.under_triage.k > 0 or (g.endpoint_code or "").startswith("RÖD."):
        return None  # never lower anything with an under-triage signal, nor a red flag
    la = g.left_at_home
    if endpoint_priority == Priority.P1.value and la.low > settings.proposal_prio1_left_home_lower:
        return "lower_priority", (f"{la.k} av {g.n} Prio 1-patienter lämnades hemma (nedre 95%-gräns "
                                  f"{la.low:.0%} > {settings.proposal_prio1_left_home_lower:.0%}).")
    if (endpoint_priority in (Priority.P2.value, Priority.P3.value)
            and transport in (TransportNeed.AMBULANCE.value, TransportNeed.LYING.value)
            and la.low > settings.proposal_redirect_left_home_lower):
        return "redirect_care_need", (f"{la.k} av {g.n} patienter lämnades hemma trots transportbehov "
                                      f"{transport} (nedre 95%-gräns {la.low:.0%} > "
                                      f"{settings.proposal_redirect_left_home_lower:.0%}).")
    return None


def draft_proposals(session: Session, actor: Actor, stats: OutcomeStatistics, *,
                    settings: OutcomeSettings | None = None,
                    directory: Path | None = None) -> list[ProposalView]:
    """Draft a proposal for every endpoint whose outcomes cross the thresholds with enough cases.

    An endpoint that already has a proposal of the same kind for the same version (open, accepted or
    rejected) gets no new one. Rule-set versions that cannot be loaded are skipped.
    """
    settings = settings or outcome_settings()
    drafted: list[ProposalView] = []
    for g in stats.endpoints:
        if not g.enough_cases or not g.endpoint_code or not g.ruleset_version:
            continue
        try:
            rs = loader.load_ruleset(version=g.ruleset_version, directory=directory)
        except RuleSetError:
            continue
        data = loader.ruleset_to_data(rs)
        try:
            _, ep = _find_endpoint(data, g.endpoint_code)
            transport = _resolved_care_need(data, ep).get("transport", TransportNeed.NONE.value)
        except ProposalError:
            continue
        found = candidate_kind(g, str(ep.get("priority")), transport, settings)
        if found is None:
            continue
        kind, why = found
        if _exists(session, g.endpoint_code, g.ruleset_version, kind):
            continue
        change = build_change(data, g.endpoint_code, kind)
        evidence = {"reason": why, "n": g.n, "priority": str(ep.get("priority")),
                    "left_at_home": g.left_at_home.model_dump(), "conveyed": g.conveyed.model_dump(),
                    "recontact": g.recontact.model_dump(), "under_triage": g.under_triage.model_dump(),
                    "over_triage": g.over_triage.model_dump(), "outcome_counts": g.outcome_counts,
                    "period": {"start": stats.start.isoformat() if stats.start else None,
                               "end": stats.end.isoformat() if stats.end else None},
                    "min_cases": settings.min_cases}
        row = RuleProposal(endpoint_code=g.endpoint_code, ruleset_version=g.ruleset_version, change=change,
                           evidence=evidence, created_at=now(), status="open")
        session.add(row)
        session.flush()
        session.add(Review(case_id=None, reason=REVIEW_REASON, created_at=now(), status="open",
                           detail=f"{_review_tag(row.id)} {describe_change(change)} Underlag: {why}"))
        audit(session, actor, "proposal.draft", None, proposal_id=row.id, endpoint_code=g.endpoint_code,
              ruleset_version=g.ruleset_version, kind=kind)
        drafted.append(ProposalView.model_validate(row))
    return drafted


def _exists(session: Session, code: str, version: str, kind: str) -> bool:
    rows = session.scalars(select(RuleProposal).where(RuleProposal.endpoint_code == code,
                                                      RuleProposal.ruleset_version == version))
    return any(r.change.get("kind") == kind for r in rows)


def _review_tag(proposal_id: int) -> str:
    return f"Regeländringsförslag {proposal_id}:"


def list_proposals(session: Session, status: str | None = "open") -> list[ProposalView]:
    stmt = select(RuleProposal).order_by(RuleProposal.created_at, RuleProposal.id)
    if status is not None:
        stmt = stmt.where(RuleProposal.status == status)
    return [ProposalView.model_validate(r) for r in session.scalars(stmt)]


# --- deciding -----------------------------------------------------------------------------------

def _open_proposal(session: Session, actor: Actor, proposal_id: int, action: str) -> RuleProposal:
    if actor.role is not Role.PHYSICIAN:
        raise NotPermitted(f"{actor.role.label} får inte {action}; det kräver {Role.PHYSICIAN.label}.")
    row = session.get(RuleProposal, proposal_id)
    if row is None:
        raise ProposalError(f"Förslag {proposal_id} finns inte.")
    if row.status != "open":
        raise ProposalError(f"Förslag {proposal_id} är redan {'godkänt' if row.status == 'accepted' else 'avslaget'}.")
    return row


def _sign_review(session: Session, actor: Actor, proposal_id: int, comment: str) -> None:
    review = session.scalar(select(Review).where(Review.reason == REVIEW_REASON, Review.status == "open",
                                                 Review.detail.startswith(_review_tag(proposal_id))))
    if review is not None:
        sign_off(session, actor, review.id, comment)


def accept_proposal(session: Session, actor: Actor, proposal_id: int, *, comment: str = "",
                    directory: Path | None = None, changer: RuleChanger = apply_change) -> Decision:
    """A physician accepts: the change is applied to the newest rule-set version (after syncing the
    versions stored in the database) and stored as a new version, in the database and as a file; the diff
    (old → new) is returned and audited. Nothing changes in the database on any error (order: module doc)."""
    row = _open_proposal(session, actor, proposal_id, "godkänna regeländringar")
    sync_rulesets(session, directory)
    base = loader.latest_version(directory)
    old_rs = loader.load_ruleset(version=base, directory=directory)
    base_text = loader.ruleset_path(base, directory).read_text(encoding="utf-8")
    version = next_version(base, directory, taken=stored_versions(session))
    new_data = changer(load_yaml(base_text), row.change)  # the data as written in the file
    note = (f"Förslag {row.id} godkänt av {actor.display_name or actor.username} ({actor.role.label}) "
            f"{now():%Y-%m-%d %H:%M} UTC, baserat på {base}: {describe_change(row.change)}")
    text = render_edit(base_text, new_data, version, note)
    diff = loader.diff_rulesets(old_rs, loader.ruleset_from_text(text, f"{version} (förslag {row.id})"))
    row.status, row.decided_by, row.decided_at, row.new_ruleset_version = "accepted", actor.user_id, now(), version
    publish_version(session, actor, version, text, base, note)
    audit(session, actor, "proposal.accept", None, proposal_id=row.id, base_version=base, new_version=version,
          diff=diff, comment=comment)
    _sign_review(session, actor, row.id, comment or f"Godkänt; nytt regelverk {version}.")
    session.flush()  # database problems surface before the file is written
    target = directory if directory is not None else loader.local_ruleset_dir()
    try:
        path = write_text_version(version, text, target)
    except FileExistsError as exc:
        raise RuleSetError(target, [f"{target}: version '{version}' finns redan och skrivs inte över"]) from exc
    return Decision(proposal=ProposalView.model_validate(row), new_version=version, path=str(path), diff=diff)


def reject_proposal(session: Session, actor: Actor, proposal_id: int, reason: str) -> Decision:
    """A physician rejects, with a reason; recorded and audited. No rule changes."""
    row = _open_proposal(session, actor, proposal_id, "avslå regeländringar")
    if not reason.strip():
        raise ProposalError("Ange varför förslaget avslås.")
    row.status, row.decided_by, row.decided_at = "rejected", actor.user_id, now()
    audit(session, actor, "proposal.reject", None, proposal_id=row.id, reason=reason)
    _sign_review(session, actor, row.id, f"Avslaget: {reason}")
    return Decision(proposal=ProposalView.model_validate(row))
