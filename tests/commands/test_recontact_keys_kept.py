"""The recontact keys stay with the case's number and address wherever they are written — CreateCase, SaveDraft,
FinishCall (the intake as typed at Ctrl+Enter), a follow-up's new case, any ORM write — so FinishCall's recontact
check (one indexed query) sees the number and address the case has now."""

from __future__ import annotations

from command_world import World, intake, triage

from commands import CaseCreated, CreateCase, FinishCall, RecordFollowUp, SaveDraft, run
from outcomes.followup import FollowUpResult
from records.case_state import CaseStatus
from records.cases import CaseIntake
from records.models import Case
from records.recontact_keys import address_key, phone_key


def _keys(world: World, case_id: int) -> tuple[str | None, str | None]:
    with world.db() as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case.phone_key, case.address_key


def _new_call(world: World, phone: str, address: str) -> tuple[int, CaseIntake]:
    typed = intake().model_copy(update={"callback_phone": phone, "address": address})
    created = run(world.db, world.nurse, CreateCase(intake=typed))
    assert isinstance(created, CaseCreated)
    return created.case_id, typed


def test_keys_follow_every_edit_of_number_and_address(world: World) -> None:
    case_id, typed = _new_call(world, "070-123 45 67", "Storgatan 1")
    assert _keys(world, case_id) == ("0701234567", "storg 1")

    edited = typed.model_copy(update={"callback_phone": "+46 40 12 34 56", "address": "Lindv. 12 A, Lund"})
    run(world.db, world.nurse, SaveDraft(case_id=case_id, intake=edited, payload={"step": "intake"}))
    assert _keys(world, case_id) == ("040123456", "lindv 12a lund")

    cleared = edited.model_copy(update={"callback_phone": "", "address": ""})
    run(world.db, world.nurse, FinishCall(case_id=case_id, intake=cleared, triage=triage()))
    assert _keys(world, case_id) == (None, None)

    with world.db() as s, s.begin():  # any write through the model keeps them
        case = s.get(Case, case_id)
        assert case is not None
        case.callback_phone, case.address = "0046 70 999 99 99", "Kyrkogränd 4"
    assert _keys(world, case_id) == (phone_key("0709999999"), address_key("kyrkogr. 4")) == ("0709999999",
                                                                                              "kyrkogr 4")


def test_finish_call_finds_the_recontact_by_the_number_and_address_as_edited(world: World) -> None:
    earlier = world.case_in(CaseStatus.CLOSED)  # 0701234567, Storgatan 1: treated and left at home
    case_id, typed = _new_call(world, "0709999999", "Lindvägen 12")
    # The nurse corrects number and address before Ctrl+Enter, written otherwise than on the earlier case.
    corrected = typed.model_copy(update={"callback_phone": "+46 70-123 45 67", "address": "storg. 1"})
    done = run(world.db, world.nurse, FinishCall(case_id=case_id, intake=corrected, triage=triage()))
    assert done.recontact_of == earlier  # type: ignore[attr-defined]

    other_id, other = _new_call(world, "+46701234567", "Storgatan 1")
    moved = other.model_copy(update={"address": "Storgatan 11"})  # another address: another patient
    done = run(world.db, world.nurse, FinishCall(case_id=other_id, intake=moved, triage=triage()))
    assert done.recontact_of is None  # type: ignore[attr-defined]


def test_a_follow_up_that_went_worse_carries_the_keys(world: World) -> None:
    task = world.open_followup()
    run(world.db, world.nurse, RecordFollowUp(followup_id=task, result=FollowUpResult.WORSE, note="Sämre"))
    with world.db() as s:
        worse = s.query(Case).filter(Case.link_reason == "followup_worse").one()
        assert (worse.phone_key, worse.address_key) == ("0701234567", "storg 1")
