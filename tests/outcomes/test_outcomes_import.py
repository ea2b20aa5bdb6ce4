"""Later-fact import: all or nothing, bad rows named by line; re-import is harmless."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from outcomes_helpers import T0, add_case
from sqlalchemy import select

from larmcentral_cli import main
from outcomes.importer import LaterFactImportError, import_later_facts
from records.models import LaterFact
from resources.vocabulary import Role

TODAY = date(2026, 4, 1)


def test_bad_rows_change_nothing_and_are_named(db, make_actor, tmp_path: Path) -> None:
    actor = make_actor(db, "admin.test", Role.ADMIN)
    with db() as s, s.begin():
        a, b = add_case(s, actor).id, add_case(s, actor).id
    path = tmp_path / "fakta.csv"
    path.write_text(
        "arende;faktum;datum\n"
        f"{a};inlagd;2026-03-03\n"          # 2: good
        f"{b};hemskickad;2026-03-03\n"      # 3: unknown fact
        f"{a};avliden_30d;3 mars\n"         # 4: bad date
        "99999;inlagd;2026-03-03\n"         # 5: no such case
        f"{b};inlagd;2026-02-01\n"          # 6: before the case
        f"{a};inlagd;2026-03-03\n"          # 7: duplicate of line 2
        f"{b};inlagd;2026-03-04;x\n",       # 8: too many fields
        encoding="utf-8")
    with db() as s, s.begin(), pytest.raises(LaterFactImportError) as err:
        import_later_facts(s, actor, path, today=TODAY)
    problems = err.value.problems
    assert [p.split(",")[0].split(":")[0] for p in problems] == [f"rad {n}" for n in (3, 4, 5, 6, 7, 8)]
    assert "okänt faktum 'hemskickad'" in problems[0] and "ärende 99999 finns inte" in problems[2]
    assert "inget ändrades" in str(err.value)
    with db() as s:
        assert list(s.scalars(select(LaterFact))) == []


def test_good_file_imports_and_reimport_is_harmless(sqlite_db, make_actor, tmp_path: Path) -> None:
    actor = make_actor(sqlite_db, "admin.test", Role.ADMIN)
    with sqlite_db() as s, s.begin():
        a = add_case(s, actor, created_at=T0).id
    path = tmp_path / "fakta.csv"
    path.write_text(f"ärende,faktum,datum\n{a},inlagd,2026-03-03\n{a},avliden_30d,2026-03-20\n", encoding="utf-8")
    with sqlite_db() as s, s.begin():
        first = import_later_facts(s, actor, path, today=TODAY)
    with sqlite_db() as s, s.begin():
        again = import_later_facts(s, actor, path, today=TODAY)
        facts = sorted(f.fact for f in s.scalars(select(LaterFact)))
    assert (first.added, again.added, again.already_known) == (2, 0, 2)
    assert facts == ["avliden_30d", "inlagd"]


def test_cli_import_reports_lines_and_exit_code(tmp_path: Path, monkeypatch, capsys, cli_user) -> None:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    path = tmp_path / "fakta.csv"
    path.write_text("arende;faktum;datum\n1;inlagd;2026-03-03\n", encoding="utf-8")
    assert main(["outcomes", "import", str(path), *cli_user(url)]) == 1
    assert "rad 2, fält 'arende': ärende 1 finns inte" in capsys.readouterr().err
