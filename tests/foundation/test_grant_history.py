"""Who was granted which role stays on record: on both backends the database refuses deleting a grant or changing
it other than revoking it once; on PostgreSQL the application role cannot delete grants either."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from records.db import transaction
from records.identity import provision, remove_grant, user_by_name
from records.models import RoleGrant
from resources.vocabulary import Role


@pytest.fixture
def grant_id(db) -> int:  # type: ignore[no-untyped-def]
    with transaction(db) as s:
        user = provision(s, "ssk.anna", {Role.NURSE})
        return s.query(RoleGrant.id).filter(RoleGrant.user_id == user.id).scalar()  # type: ignore[no-any-return]


@pytest.mark.parametrize("sql", ["DELETE FROM role_grants WHERE id = :id",
                                 "UPDATE role_grants SET role = 'physician' WHERE id = :id",
                                 "UPDATE role_grants SET granted_at = granted_at WHERE id = :id AND 1 = 0",
                                 "UPDATE role_grants SET user_id = user_id + 1 WHERE id = :id"])
def test_a_grant_cannot_be_deleted_or_rewritten(db, grant_id: int, sql: str) -> None:  # type: ignore[no-untyped-def]
    if "1 = 0" in sql:  # a statement touching no row is not a change
        with transaction(db) as s:
            s.execute(text(sql), {"id": grant_id})
        return
    with pytest.raises(Exception, match="role_grants: en tilldelning kan bara dras in"), transaction(db) as s:
        s.execute(text(sql), {"id": grant_id})


def test_a_grant_can_be_revoked_once_and_then_never_changed(db, grant_id: int) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as s:
        assert remove_grant(s, user_by_name(s, "ssk.anna"), Role.NURSE, None)
    with pytest.raises(Exception, match="kan bara dras in"), transaction(db) as s:
        s.execute(text("UPDATE role_grants SET revoked_at = NULL, revoked_by = NULL WHERE id = :id"), {"id": grant_id})
