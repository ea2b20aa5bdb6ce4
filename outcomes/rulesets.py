"""Accepted rule-set versions, shared through the database by every console of a centre.

The database (table `ruleset_versions`) is the source of truth for versions accepted by an RLS
physician; files stay the loader's format. `publish_version` stores a version's text in the caller's
transaction; `sync_rulesets` writes every stored version that is missing from this console's local
rule-set directory (triage_rules.loader.local_ruleset_dir()), so `load_ruleset()` finds the newest
version on every console.

This lives in outcomes/ rather than records/ because it validates with triage_rules: records/ does
not depend on triage_rules, and outcomes/ already depends on both.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import audit, now
from records.models import RuleSetVersion
from resources.os_errors import os_error_text
from triage_rules import loader, roundtrip
from triage_rules.loader import RuleSetError

log = logging.getLogger(__name__)


def render_version(data: dict[str, Any], version: str, note: str = "") -> str:
    """The YAML text of `data` as version `version` (validated; raises RuleSetError), with `note` as a
    comment at the top — the same form as triage_rules.loader.write_version writes."""
    data = {**data, "version": version}
    loader.ruleset_from_data(data, version)
    return loader.version_text(data, version, note)


def render_edit(base_text: str, data: dict[str, Any], version: str, note: str = "") -> str:
    """The base version's file text edited to hold `data` as `version` (triage_rules.roundtrip: comments, order,
    wrapping and anchors kept; the line diff shows only what changed, and `note` on the version line),
    validated as a rule set (raises RuleSetError)."""
    try:
        text = roundtrip.edit_version_text(base_text, data, version, note)
    except roundtrip.RoundTripError as exc:
        raise RuleSetError(version, [f"regelverk {version}: {exc}"]) from exc
    if loader.ruleset_from_text(text, f"regelverk {version}").version != version:
        raise RuleSetError(version, [f"regelverk {version}: versionsraden kunde inte skrivas"])
    return text


def publish_version(session: Session, actor: Actor, version: str, text: str, base_version: str | None,
                    note: str = "") -> RuleSetVersion:
    """Store `text` as rule-set version `version` in the caller's transaction (audited).

    A version that is already stored makes the flush (or the commit) fail: versions are never replaced."""
    row = RuleSetVersion(version=version, text=text, base_version=base_version, note=note, created_at=now(),
                         created_by=actor.user_id)
    session.add(row)
    audit(session, actor, "ruleset.publish", None, version=version, base_version=base_version)
    return row


def stored_versions(session: Session) -> list[str]:
    return list(session.scalars(select(RuleSetVersion.version).order_by(RuleSetVersion.created_at)))


def _present(version: str, directory: Path) -> bool:
    return any((directory / f"{version}{suffix}").exists() for suffix in (".yaml", ".json"))


def write_text_version(version: str, text: str, directory: Path) -> Path:
    """Write `text` as `<directory>/<version>.yaml`; never overwrites (FileExistsError)."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{version}.yaml"
    with target.open("x", encoding="utf-8") as fh:
        fh.write(text)
    return target


def sync_rulesets(session: Session, directory: Path | None = None) -> list[str]:
    """Write every stored version missing from `directory` (default: the local rule-set directory).

    An existing file is never overwritten. A stored text that is not a valid rule set, or that cannot be
    written, is skipped. Returns one Swedish message per version written or skipped (empty when the
    directory was already in step); each is also logged.
    """
    target_dir = directory if directory is not None else loader.local_ruleset_dir()
    messages: list[str] = []
    for row in session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.created_at, RuleSetVersion.version)):
        if _present(row.version, target_dir):
            continue
        source = f"regelverk {row.version} i databasen"
        try:
            rs = loader.ruleset_from_text(row.text, source)
            if rs.version != row.version:
                raise RuleSetError(source, [f"{source}: filen anger version '{rs.version}'"])
            path = write_text_version(row.version, row.text, target_dir)
        except RuleSetError as exc:
            message = f"Regelverk {row.version} hoppades över: det är trasigt. " + "; ".join(exc.problems)
            log.warning(message)
        except FileExistsError:
            continue  # written meanwhile by another process sharing the directory
        except OSError as exc:
            message = f"Regelverk {row.version} hoppades över: kan inte skriva {target_dir}: {os_error_text(exc)}"
            log.warning(message)
        else:
            message = f"Regelverk {row.version} hämtat från databasen till {path}."
            log.info(message)
        messages.append(message)
    return messages
