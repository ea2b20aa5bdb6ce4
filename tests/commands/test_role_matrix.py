"""Who may run which command, on both backends: every command is allowed exactly to the roles in EXPECTED and
refused to the others with a Swedish message, nothing written; a forged, stale or absent sign-in is refused
whatever role it claims."""

from __future__ import annotations

import pytest
from command_world import World, snapshot
from scenarios import SCENARIOS

from commands import ALL_COMMANDS, Command, CreateCase, run
from commands.calls import CaseCreated
from records.actor import Actor, NotPermitted
from records.case_state import CaseStatus
from records.cases import CaseIntake
from records.db import transaction
from records.identity import end_session, remove_grant, user_by_name
from resources.vocabulary import Role

N, D, P, A = Role.NURSE, Role.DISPATCHER, Role.PHYSICIAN, Role.ADMIN
# The access policy, written out: what each role's work needs, nothing more. An administrator administers
# users and tokens; clinical work needs a clinical role (a person may hold several and choose at sign-in).
EXPECTED: dict[str, set[Role]] = {
    "case.create": {N}, "draft.save": {N}, "draft.discard": {N}, "draft.hand_over": {N},
    "triage.complete": {N}, "case.send_to_waiting_room": {N}, "call.finish": {N}, "case.reopen": {N, P},
    "case.pre_alert": {N},
    "triage.red_flag": {N}, "alert.acknowledge": {N, D, P}, "case.note": {N, D, P},
    "triage.limitation_decision": {N, P},  # the nurse decides on the call; the RLS physician she consults may too
    "dispatch.assign": {D, P}, "dispatch.recall": {D, P}, "dispatch.reassign": {D, P}, "unit.status": {D, P},
    "outcome.record": {N, D, P}, "outcome.correct": {N, P}, "outcome.feed": {D}, "alert.unit_reply": {D}, "alert.timeout": {D}, "followup.result": {N, P},
    "review.comment": {P}, "review.sign_off": {P}, "case.physician_change": {P},
    "proposal.accept": {P}, "proposal.reject": {P},
    "user.create": {A}, "user.grant": {A}, "user.revoke": {A}, "user.active": {A}, "user.unlock": {A},
    "user.password": {N, A},  # the scenario sets the nurse's own password: herself, or an administrator
    "token.create": {A}, "token.revoke": {A},
    # The patient's own plan mirrors the region's record: administrators keep it (commands/care_plans.py says why
    # not the RLS physician); the clinical roles read it (records.care_plans.care_plan_for).
    "care_plan.set": {A}, "care_plan.remove": {A}, "treatment_limitation.set": {A},
    "treatment_limitation.remove": {A}, "standing_order.set": {A}, "standing_order.remove": {A},
}
CASES = [(c, r) for c in ALL_COMMANDS for r in (N, D, P, A)]


def test_the_policy_names_every_command() -> None:
    assert set(EXPECTED) == {c.name for c in ALL_COMMANDS}


@pytest.mark.parametrize(("command_type", "role"), CASES, ids=[f"{c.name}-{r.value}" for c, r in CASES])
def test_each_command_is_allowed_exactly_to_its_roles(world: World, command_type: type[Command], role: Role) -> None:
    _, cmd = SCENARIOS[command_type](world)
    actor = world.actor(role)
    if role in EXPECTED[command_type.name]:
        run(world.db, actor, cmd)
        return
    before = snapshot(world.db)
    with pytest.raises(NotPermitted, match="får inte|kräver"):
        run(world.db, actor, cmd)
    assert snapshot(world.db) == before


def _create(world: World, actor: Actor) -> CreateCase:
    return CreateCase(intake=CaseIntake(patient_name="Test"))


def test_a_forged_role_claim_is_refused(world: World) -> None:
    """A nurse's session with the physician role written into the Actor in code."""
    forged = world.nurse.model_copy(update={"role": Role.PHYSICIAN})
    before = snapshot(world.db)
    with pytest.raises(NotPermitted, match="stämmer inte"):
        run(world.db, forged, _create(world, forged))
    assert snapshot(world.db) == before


def test_another_users_id_on_a_session_is_refused(world: World) -> None:
    forged = world.nurse.model_copy(update={"user_id": world.physician.user_id})
    with pytest.raises(NotPermitted, match="stämmer inte"):
        run(world.db, forged, _create(world, forged))


def test_an_actor_without_a_sign_in_is_refused(world: World) -> None:
    bare = Actor(user_id=world.nurse.user_id, username=world.nurse.username, role=Role.NURSE)
    with pytest.raises(NotPermitted, match="Ingen inloggning"):
        run(world.db, bare, _create(world, bare))


def test_an_ended_session_is_refused(world: World) -> None:
    with transaction(world.db) as s:
        end_session(s, world.nurse, "test")
    with pytest.raises(NotPermitted, match="avslutats"):
        run(world.db, world.nurse, _create(world, world.nurse))


def test_a_revoked_role_stops_working_at_the_next_command(world: World) -> None:
    created = run(world.db, world.nurse, _create(world, world.nurse))
    assert isinstance(created, CaseCreated)
    with transaction(world.db) as s:
        remove_grant(s, user_by_name(s, world.nurse.username), Role.NURSE, world.admin.user_id)
    with pytest.raises(NotPermitted, match="dragits in"):
        run(world.db, world.nurse, _create(world, world.nurse))


def test_a_deactivated_user_is_refused(world: World) -> None:
    with transaction(world.db) as s:
        user_by_name(s, world.nurse.username).active = False
    with pytest.raises(NotPermitted, match="avaktiverad"):
        run(world.db, world.nurse, _create(world, world.nurse))


def test_revoking_a_token_ends_the_sessions_opened_with_it(world: World) -> None:
    """`feed serve` keeps its session for days: a revoked token must stop it at its next command, not at restart."""
    from commands import ApplyFeedOutcome, CreateServiceToken, RevokeServiceToken
    from outcomes.closing import FeedOutcome
    from outcomes.system_jobs import FEED_USER, provision_system_user
    from records.tokens import new_token, sign_in_with_token, token_hash

    with transaction(world.db) as s:
        provision_system_user(s, FEED_USER)
    token = new_token()
    view = run(world.db, world.admin, CreateServiceToken(username=FEED_USER, token_sha256=token_hash(token)))
    system = sign_in_with_token(world.db, token, console="feed-serve")
    msg = FeedOutcome(unit_id="AMB-001", case_id=999999, code="treated_left_home")
    with pytest.raises(LookupError):  # signed in: refused only because the case does not exist
        run(world.db, system, ApplyFeedOutcome.for_message(msg))
    run(world.db, world.admin, RevokeServiceToken(token_id=view.id))  # type: ignore[attr-defined]
    with pytest.raises(NotPermitted, match="avslutats"):
        run(world.db, system, ApplyFeedOutcome.for_message(msg))
    with pytest.raises(NotPermitted, match="okänd eller indragen"):
        sign_in_with_token(world.db, token)


def test_domain_reads_and_writes_check_the_sign_in_too(world: World) -> None:
    """An integrator calling the domain functions directly gets no further than the command layer would: an
    Actor made in code (no session), or another user's session id without its secret, is refused at the audit
    row every read and write writes — and nothing of the read is handed out."""
    from records.cases import get_case, list_cases

    case_id = run(world.db, world.nurse, _create(world, world.nurse)).case_id  # type: ignore[attr-defined]
    made_up = Actor(user_id=world.physician.user_id, username=world.physician.username, role=Role.PHYSICIAN)
    guessed = made_up.model_copy(update={"session_id": world.physician.session_id})
    for forged in (made_up, guessed):
        with pytest.raises(NotPermitted), transaction(world.db) as s:
            get_case(s, forged, case_id)
        with pytest.raises(NotPermitted), transaction(world.db) as s:
            list_cases(s, forged)
    with transaction(world.db) as s:  # the real sign-in reads, and the audit names its own console
        get_case(s, world.physician.model_copy(update={"console": "påhittad"}), case_id)
    with world.db() as s:
        from sqlalchemy import select

        from records.models import AuditEntry

        last = s.scalars(select(AuditEntry).where(AuditEntry.action == "case.read").order_by(AuditEntry.id.desc())).first()
        assert last is not None and last.console == "test-konsol"


def test_an_administrator_reads_no_patient_data(world: World) -> None:
    from outcomes.followup import followup_queue
    from records.cases import get_case

    case_id = run(world.db, world.nurse, _create(world, world.nurse)).case_id  # type: ignore[attr-defined]
    with pytest.raises(NotPermitted, match="ingen klinisk behörighet"), transaction(world.db) as s:
        get_case(s, world.admin, case_id)
    world.open_followup()
    with pytest.raises(NotPermitted, match="ingen klinisk behörighet"), transaction(world.db) as s:
        followup_queue(s, world.admin)


def test_a_system_users_token_does_only_its_own_job(world: World) -> None:
    """The feed's token closes cases with the units' outcomes — and can neither list patients nor record an
    outcome by hand, although its role is a dispatcher's."""
    from commands import CreateServiceToken, RecordOutcome
    from outcomes.system_jobs import ANALYSIS_USER, provision_system_user
    from records.cases import list_cases
    from records.tokens import new_token, sign_in_with_token, token_hash

    case_id = world.case_in(CaseStatus.WAITING)
    with transaction(world.db) as s:
        provision_system_user(s, ANALYSIS_USER)
    token = new_token()
    run(world.db, world.admin, CreateServiceToken(username=ANALYSIS_USER, token_sha256=token_hash(token)))
    system = sign_in_with_token(world.db, token)
    with pytest.raises(NotPermitted, match="bara utföra sitt eget jobb"), transaction(world.db) as s:
        list_cases(s, system)
    with pytest.raises(NotPermitted, match="bara utföra sitt eget jobb"):
        run(world.db, system, RecordOutcome(case_id=case_id, code="treated_left_home"))
    assert world.status(case_id) is CaseStatus.WAITING


def test_user_names_compare_without_case_and_a_password_replay_is_not_a_silent_success(world: World) -> None:
    from pydantic import SecretStr

    from commands import CommandIdReused, CreateUser, SetPassword

    run(world.db, world.admin, CreateUser(username="Ssk.Eva", display_name="Eva", grant=[Role.NURSE]))
    with pytest.raises(ValueError, match="finns redan"):
        run(world.db, world.admin, CreateUser(username="ssk.EVA", display_name="Eva igen", grant=[Role.NURSE]))
    first = SetPassword(username="SSK.eva", password=SecretStr("Sommarljus7kvällar"))
    run(world.db, world.admin, first)
    with pytest.raises(CommandIdReused):  # the same id with another password: refused, not "done" with no change
        run(world.db, world.admin, first.model_copy(update={"password": SecretStr("Vinterljus8morgnar")}))
    assert run(world.db, world.admin, first) is not None  # the very same request again: its first result
