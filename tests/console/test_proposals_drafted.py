"""Rule proposals are drafted without anyone running `outcomes proposals draft`: right after
`outcomes import`, idempotently, and they show up in the RLS physician's queue."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from console_helpers import prio1_endpoint
from sqlalchemy import func, select

from larmcentral_cli import main as cli
from outcomes.closing import record_outcome
from records.audit import now
from records.cases import CaseIntake, create_case
from records.db import transaction
from records.models import Case, Review, RuleProposal
from resources.vocabulary import Role


def test_import_drafts_proposals_once_and_the_rls_queue_shows_them(qtbot, make_window, actor_for, factory,
                                                                   data_dir: Path, capsys, cli_user):  # type: ignore[no-untyped-def]
    version, complaint, endpoint = prio1_endpoint()
    nurse = actor_for(Role.NURSE)
    ids = []
    with transaction(factory) as s:
        for i in range(30):  # every Prio 1 patient of this endpoint treated and left at home
            case = create_case(s, nurse, CaseIntake(address="Storgatan 1", kommun="Lund", lat=55.7, lon=13.19))
            row = s.get(Case, case.id)
            row.created_at = now() - timedelta(days=3, minutes=30 * i)
            row.priority, row.complaint, row.endpoint_code, row.ruleset_version = "1", complaint, endpoint, version
            record_outcome(s, nurse, case.id, "treated_left_home", at=row.created_at + timedelta(minutes=50))
            ids.append(case.id)
    csv = data_dir / "fakta.csv"
    csv.write_text(f"arende;faktum;datum\n{ids[0]};akutbesok;{now():%Y-%m-%d}\n", encoding="utf-8")

    url = f"sqlite:///{data_dir / 'larmcentral.sqlite3'}"
    assert cli(["outcomes", "import", str(csv), *cli_user(url)]) == 0
    assert "nya förslag i RLS-läkarnas kö" in capsys.readouterr().out
    assert cli(["outcomes", "import", str(csv), *cli_user(url)]) == 0  # again: nothing new
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(RuleProposal).where(
            RuleProposal.endpoint_code == endpoint, RuleProposal.status == "open")) == 1
        assert s.scalar(select(func.count()).select_from(Review).where(Review.reason == "proposal")) == 1

    w = make_window(actor_for(Role.PHYSICIAN))
    rv = w.workspaces["review"]
    qtbot.waitUntil(lambda: any(rv.model.item(i).reason == "proposal" for i in range(rv.model.rowCount())),
                    timeout=10000)
    row = next(i for i in range(rv.model.rowCount()) if rv.model.item(i).reason == "proposal")
    rv.table.selectRow(row)
    qtbot.waitUntil(lambda: rv.detail is not None and rv.detail.item.reason == "proposal", timeout=10000)
    assert rv.accept_button.isVisible() and rv.accept_button.isEnabled()
    assert endpoint in rv.browser.toPlainText()
