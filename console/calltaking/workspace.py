"""The nurse's call-taking workspace: intake and patient context, the triage wizard, and the
lowest adequate resource beside it. The call is saved as a draft as it goes (debounced, via
the database executor; a local file if the database is down) and reopened after a crash.

Under the intake, two tabs share the room a 1366×768 screen leaves: the patient's context and a small map of the
position (Ctrl+G switches). A recontact warning brings the context to the front: it must be seen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session, sessionmaker

from commands import (
    AddCaseNote,
    CallFinished,
    CaseCreated,
    CommandIdReused,
    CreateCase,
    DiscardDraft,
    Done,
    DraftHandedOver,
    DraftSaved,
    FinishCall,
    HandOverDraft,
    RecordRedFlag,
    SaveDraft,
    SendPreAlert,
    run,
)
from console.calltaking.call_notes import CallNotes
from console.calltaking.care_plan_box import CarePlanBox
from console.calltaking.context_panel import ContextPanel
from console.calltaking.discard_dialog import DiscardDialog
from console.calltaking.hand_over_dialog import HandOverDialog
from console.calltaking.intake_form import IntakeForm
from console.calltaking.limitation_decisions import LimitationDecisions
from console.calltaking.limitation_dialog import LimitationDialog
from console.calltaking.local_draft import read_local, remove_local, write_local
from console.calltaking.override_dialog import OverrideDialog
from console.calltaking.plan_banner import PlanBanner
from console.calltaking.position_choice import from_case
from console.calltaking.position_map import PositionMap
from console.calltaking.recommendation_panel import RecommendationPanel
from console.calltaking.red_flag_dialog import RedFlagDialog
from console.calltaking.register_loader import NO_REGISTER, RegisterLoader, RegisterSummary
from console.calltaking.triage_driver import EngineDriver
from console.calltaking.vitals_panel import VitalsPanel
from console.calltaking.wizard import TriageWizard
from console.calltaking.wizard_state import WizardState
from console.errors import is_database_down, user_message
from console.tasks import CommandOp, DbExecutor, DbOp
from dispatch.fleet_view import FleetSnapshot
from outcomes.call_context import call_context
from records.actor import Actor
from records.cases import CaseIntake, CaseView, get_case
from records.triage_store import Colleague, CompletedTriage, handover_colleagues, unfinished_draft
from resources.care_need import CareNeed
from resources.care_plan import LimitationDecision
from resources.geography import Geography
from resources.patient_context import PatientContext
from resources.vocabulary import Priority
from triage_rules.plan_checks import limitation_notices
from triage_rules.results import LimitationNotice, TriageInputError
from triage_rules.schema import RuleSet

DRAFT_DEBOUNCE_MS = 400


# Until the register has been asked (and for a patient it does not know) triage asks the context questions —
# enrolled in a mobile team, ASIH, SÄBO, home care — instead of counting them as "nej".
UNKNOWN_PATIENT = PatientContext(register_known=False)


@dataclass(frozen=True)
class _SavedTriage:
    """The triage part of a draft: what a reopened call replays."""

    complaint: str
    answers: list[tuple[Any, ...]]
    red_flags: list[str]
    override: Any


class _SideTabs(QTabWidget):
    """The context and the map under the intake. Prefers no more than its minimum: the intake column's scroll area
    makes the column as tall as its parts prefer, and the map's preferred room made it scroll at 1366×728 with the
    phone row showing; the tabs take what is left by their stretch."""

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.minimumSizeHint()


class CallTakingWorkspace(QWidget):
    case_sent = Signal(int, str)  # case id, "waiting" | "referred"
    message = Signal(str)  # for the status bar

    def __init__(self, actor: Actor, executor: DbExecutor, ruleset: RuleSet, geography: Geography,
                 snapshot_provider: Callable[[], FleetSnapshot] | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("callTaking")
        self.actor, self.executor = actor, executor
        self.driver = EngineDriver(ruleset)
        self.case_id: int | None = None
        self.draft_id: int | None = None
        # Command ids kept with the draft: a retry after a lost reply (or a crash) repeats the same command,
        # which the command layer answers with its first result instead of a second case or triage.
        self.create_command_id: UUID = uuid4()
        self.finish_command_id: UUID | None = None
        # Förlarm (docs/commands.md): sent while the triage goes on; its id kept like the finish's
        self.pre_alerted = False
        self.pre_alert_command_id: UUID | None = None
        self._pre_alerting = False
        self.context = UNKNOWN_PATIENT
        self.recontact_summary: str | None = None
        self.override: dict[str, Any] | None = None
        self.red_flags: list[str] = []  # the red flags the nurse raised by hand, as the draft keeps them
        # RecordRedFlag commands not yet acknowledged (kept with the draft, sent with their own ids)
        self._red_flag_records: list[dict[str, Any]] = []
        self._red_flags_in_flight: set[str] = set()
        # The call's notes (door code, floor, directions) as the draft keeps them: each sent as AddCaseNote with its
        # own kept id once the case exists, so a crash or a database away never loses one (call_notes.py).
        self.notes: list[dict[str, Any]] = []
        self._notes_in_flight: set[str] = set()
        # Ctrl+Enter waits until every red flag and note of the call is on the case: the finish ends the draft, and a
        # step not yet acknowledged would go with it
        self._send_after_steps = False
        # The nurse's decisions on the patient's treatment limitations this path concerns (ej HLR on a cardiac-arrest
        # path): required before the call is sent, each sent with its own kept id (limitation_decisions.py)
        self.limitation_decisions = LimitationDecisions(executor, actor, self)
        self.limitation_decisions.recorded.connect(self._limitation_recorded)
        self.limitation_decisions.not_recorded.connect(self._limitation_not_recorded)
        self._lookups = 0  # the latest context lookup: an older one's answer (another patient, the last call) is dropped
        self.active = False
        self._saving = False
        self._save_again = False
        self._handing_over: str | None = None  # the receiver, while a hand-over waits for its save or runs

        self.title = QLabel(objectName="sectionTitle")
        self.title.setWordWrap(True)  # a long title wraps beside the buttons instead of widening past 1366 px
        self.db_banner = QLabel(objectName="dbBanner")
        self.db_banner.setWordWrap(True)
        self.db_banner.hide()
        self.new_button = QPushButton(self.tr("Nytt ärende (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_case)
        self.send_button = QPushButton(self.tr("Till väntrummet (Ctrl+Enter)"), objectName="primaryAction")
        self.send_button.clicked.connect(self.send)
        self.cancel_button = QPushButton(self.tr("Avbryt samtal"))
        self.cancel_button.clicked.connect(self.cancel_call)
        self.hand_over_button = QPushButton(self.tr("Lämna över samtalet… (Ctrl+Shift+H)"),
                                            objectName="handOverButton")
        self.hand_over_button.clicked.connect(self.hand_over_call)
        self.problems = QLabel(objectName="fieldError")
        self._form_problems_shown = False  # `problems` shows the form's own problems (kept current while editing)
        self.problems.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.hand_over_button)
        top.addWidget(self.send_button)

        self.form = IntakeForm(geography)
        self.context_panel = ContextPanel()
        self.care_plan_box = CarePlanBox()  # the patient's own plan, as the context lookup read it
        self.call_notes = CallNotes()
        self.call_notes.added.connect(self.add_note)
        self.map = PositionMap(geography)
        self.form.location.attach_map(self.map)
        self.register_loader: RegisterLoader | None = None
        context_page = QWidget()
        cp = QVBoxLayout(context_page)
        cp.setContentsMargins(0, 0, 0, 0)
        cp.addWidget(self.context_panel)
        cp.addWidget(self.care_plan_box)
        cp.addStretch(1)  # the context at the top of its tab, not spread over it
        context_scroll = QScrollArea(objectName="contextScroll")  # a long context scrolls instead of crowding
        context_scroll.setWidget(context_page)
        context_scroll.setWidgetResizable(True)
        context_scroll.setFrameShape(QFrame.Shape.NoFrame)
        context_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side_tabs = _SideTabs(objectName="callSideTabs")
        self.side_tabs.setDocumentMode(True)
        panel = self.form.location.panel
        map_tab = QWidget(objectName="mapTab")  # typed coordinates beside the map: the other ways to a position
        mt = QVBoxLayout(map_tab)
        mt.setContentsMargins(0, 4, 0, 0)
        mt.setSpacing(2)
        coordinates = QHBoxLayout()
        coordinates.addWidget(QLabel(self.tr("Koordinater")))
        coordinates.addWidget(panel.coordinates, 1)
        mt.addLayout(coordinates)
        mt.addWidget(panel.coordinates_msg)
        mt.addWidget(self.map, 1)
        self.side_tabs.addTab(context_scroll, self.tr("Sammanhang"))
        self.side_tabs.addTab(map_tab, self.tr("Karta (Ctrl+G)"))
        left_inner = QWidget(objectName="intakeColumn")
        ll = QVBoxLayout(left_inner)
        ll.addWidget(QLabel(self.tr("Inringare och patient"), objectName="sectionTitle"))
        ll.addWidget(self.form)
        ll.addWidget(self.side_tabs, 1)
        # Up and down only, and only when a phone position and a doubtful one both show at 1366×768: the column
        # then scrolls instead of squeezing its rows over each other. Never sideways.
        left = QScrollArea(objectName="intakeScroll")
        left.setWidget(left_inner)
        left.setWidgetResizable(True)
        left.setFrameShape(QFrame.Shape.NoFrame)
        left.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.wizard = TriageWizard(self.driver)
        self.wizard.context = self.driver.context = UNKNOWN_PATIENT
        self.plan_banner = PlanBanner()  # the plan and its limitations above the triage: where the nurse looks
        self.plan_banner.decide_requested.connect(self.decide_limitations)
        middle = QWidget(objectName="triageColumn")
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.plan_banner)
        ml.addWidget(self.wizard, 1)
        self.recommendation = RecommendationPanel(snapshot_provider)
        self.vitals = VitalsPanel()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(middle)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.vitals)
        rl.addWidget(self.recommendation, 1)
        rl.addWidget(self.call_notes)  # under the recommendation, which gives up the room (the intake has none)
        self.splitter.addWidget(right)
        self.splitter.setSizes([330, 660, 480])
        self.splitter.setChildrenCollapsible(False)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.db_banner)
        lay.addWidget(self.problems)
        lay.addWidget(self.splitter, 1)

        self._save_timer = QTimer(self, singleShot=True, interval=DRAFT_DEBOUNCE_MS)
        self._save_timer.timeout.connect(self.save_now)
        self.form.changed.connect(self._edited)
        self.form.location.changed.connect(self._refresh_recommendation)  # a position in the same kommun too
        self.form.patient_changed.connect(self.lookup_patient)
        self.form.kommun.currentTextChanged.connect(lambda _t: self._refresh_recommendation())
        self.wizard.state_changed.connect(self._triage_changed)
        self.wizard.override_requested.connect(self.open_override)
        self.wizard.red_flag_requested.connect(self.raise_red_flag)
        self.vitals.vital_changed.connect(self.set_vital)
        self.vitals.oxygen_changed.connect(self.set_oxygen)
        self._set_active(False)

    # --- lifecycle ----------------------------------------------------------------------------
    def _set_active(self, active: bool) -> None:
        self.active = active
        self.form.setEnabled(active)
        self.wizard.setEnabled(active)
        self.vitals.setEnabled(active)
        self.call_notes.setEnabled(active)
        self.side_tabs.widget(1).setEnabled(active)  # a click or typed coordinates set the call's position
        self.form.location.refresh()  # a phone position is offered to a call in progress only
        self.cancel_button.setEnabled(active)
        self.hand_over_button.setEnabled(active)
        self._update_title()
        self._update_send()

    def _update_title(self) -> None:
        if not self.active:
            self.title.setText(self.tr("Inget pågående samtal – tryck Ctrl+N för nytt ärende"))
        elif self.case_id is None:
            self.title.setText(self.tr("Nytt samtal (sparas …)"))
        elif self.pre_alerted:
            self.title.setText(self.tr("Ärende %d – pågående samtal · förlarm i väntrummet") % self.case_id)
        else:
            self.title.setText(self.tr("Ärende %d – pågående samtal") % self.case_id)

    def new_case(self) -> None:
        """Start a new call (one keystroke). A call in progress is kept as its own draft."""
        if self.active and self._has_content():
            self.save_now()
        self._clear()
        self._set_active(True)
        self.save_now()  # creates the case right away
        self.form.caller.setFocus()

    def _clear(self) -> None:
        self.case_id = self.draft_id = None
        self.create_command_id, self.finish_command_id = uuid4(), None
        self.pre_alerted, self.pre_alert_command_id, self._pre_alerting = False, None, False
        self.context, self.recontact_summary, self.override = UNKNOWN_PATIENT, None, None
        self._saved_triage: _SavedTriage | None = None
        self.red_flags, self._red_flag_records = [], []
        self.notes, self._notes_in_flight, self._send_after_steps = [], set(), False
        self.limitation_decisions.clear()
        self._lookups += 1  # a lookup still running is the last call's: its patient's plan never shows on this one
        self.call_notes.clear_input()
        self.call_notes.show_notes([], self.actor.username)
        self.driver.session = None  # the last call's triage (its answers and vitals) is not this call's NEWS2
        self.driver.clear_vitals()
        self.vitals.set_values({})
        self._show_assessment()
        self.form.clear()
        self.form.patient_changed.emit()
        self.context_panel.show_context(None, None)
        self.care_plan_box.show_plan(None)
        self.wizard.context = UNKNOWN_PATIENT
        self.wizard.reset()
        self._show_limitations()
        self.recommendation.clear()
        self.problems.setText("")
        self._form_problems_shown = False

    def _has_content(self) -> bool:
        p = self.form.payload()
        return (any(v for k, v in p.items() if k != "age") or self.wizard.state.complaint is not None
                or bool(self.notes))

    def cancel_call(self) -> None:
        """"Avbryt samtal" / Ctrl+Shift+Backspace: an empty call goes at once; one with answers asks once (Nej is
        the default); at Prio 1 — preliminary or pre-alerted — only with a reason, which DiscardDraft audits."""
        if not self.active:
            return
        prio_1 = self.pre_alerted or self.wizard.state.priority is Priority.P1
        reason = None
        if self._has_content() or self.driver.vitals or prio_1:
            if prio_1 and self.draft_id is None:  # the reason must reach the case's audit
                self.message.emit(self.tr("Samtalet sparas fortfarande – försök igen om ett ögonblick."))
                self.save_now()
                return
            dlg = DiscardDialog(self.case_id, prio_1, self.pre_alerted, self)
            if dlg.exec() != DiscardDialog.DialogCode.Accepted or not self.active:
                return
            reason = dlg.reason_text()
        draft_id, case_id, pre_alerted = self.draft_id, self.case_id, self.pre_alerted
        if draft_id is not None:
            cmd = DiscardDraft(draft_id=draft_id, reason=reason,
                               priority=Priority.P1 if prio_1 else self.wizard.state.priority)
            CommandOp(self.executor, self.actor, cmd).failure(lambda exc: self.message.emit(user_message(exc))).run()
        remove_local(self.actor.username)
        self._save_timer.stop()
        self._clear()
        self._set_active(False)
        self.message.emit(self.tr("Samtalet avbröts; ärende %d ligger kvar i väntrummet som förlarm.") % case_id
                          if pre_alerted and case_id is not None else self.tr("Samtalet avbröts."))

    # --- hand-over at shift change ------------------------------------------------------------
    def hand_over_call(self) -> None:
        """Hand the call in progress to a colleague: save it, choose the colleague, then HandOverDraft."""
        if not self.active:
            self.message.emit(self.tr("Inget pågående samtal att lämna över."))
            return
        if self._handing_over is not None:
            return
        if not self.executor.running:
            self.message.emit(self.tr("Samtalet kan inte lämnas över utan databasen; det finns kvar hos dig."))
            return
        if self.case_id is None:
            self.message.emit(self.tr("Ärendet sparas fortfarande – försök igen om ett ögonblick."))
            self.save_now()
            return
        self.save_now()  # what is on screen is what the colleague gets
        actor, case_id = self.actor, self.case_id
        DbOp(self.executor, lambda s: handover_colleagues(s, actor)).success(
            lambda colleagues: self._choose_receiver(case_id, colleagues)).failure(
            lambda exc: self.message.emit(user_message(exc))).run()

    def _choose_receiver(self, case_id: int, colleagues: list[Colleague]) -> None:
        if not self.active or self.case_id != case_id or self._handing_over is not None:
            return  # the call ended or changed while the list was read
        if not colleagues:
            self.message.emit(self.tr("Det finns ingen annan aktiv sjuksköterska att lämna över samtalet till."))
            return
        dlg = HandOverDialog(case_id, colleagues, self)
        if dlg.exec() != HandOverDialog.DialogCode.Accepted:
            return
        receiver = dlg.chosen()
        if receiver is None or not self.active or self.case_id != case_id:
            return
        self._handing_over = receiver
        self.form.setEnabled(False)  # nothing typed now could reach the colleague
        self.wizard.setEnabled(False)
        if self._saving or self.draft_id is None or self._save_timer.isActive():
            if not self._saving:
                self.save_now()  # edits not yet saved go first
            return  # _saved hands over once the draft is stored
        self._submit_hand_over()

    def _submit_hand_over(self) -> None:
        receiver, draft_id = self._handing_over, self.draft_id
        if receiver is None or draft_id is None:
            return
        CommandOp(self.executor, self.actor, HandOverDraft(draft_id=draft_id, to_username=receiver)).success(
            self._handed_over).failure(self._hand_over_failed).run()

    def _handed_over(self, done: DraftHandedOver) -> None:
        remove_local(self.actor.username)  # the call is the colleague's now: never reopened here
        self._clear()
        self._set_active(False)
        self._save_timer.stop()
        self._handing_over = None
        self.db_banner.hide()
        self.message.emit(self.tr("Ärende %d har lämnats över till %s.") % (done.case_id, done.to_username))

    def _hand_over_failed(self, exc: Exception) -> None:
        self._handing_over = None
        self._set_active(self.active)  # the form and the wizard back as they were
        self.problems.setText(self.tr("Samtalet lämnades inte över: %s") % user_message(exc))
        self.message.emit(user_message(exc))

    # --- draft --------------------------------------------------------------------------------
    def payload(self) -> dict[str, Any]:
        st = self.wizard.state
        return {"intake": self.form.payload(), "complaint": st.complaint,
                "answers": [[q, v] for q, v in self.driver.answers()] if st.complaint else [],
                "override": self.override, "red_flags": list(self.red_flags),
                "vitals": self.driver.vitals, "oxygen": self.driver.oxygen,
                "red_flag_records": list(self._red_flag_records), "notes": list(self.notes),
                "limitation_decisions": [dict(r) for r in self.limitation_decisions.records],
                "case_id": self.case_id,
                "create_command_id": str(self.create_command_id),
                "finish_command_id": str(self.finish_command_id) if self.finish_command_id else None,
                "pre_alert": self.pre_alerted,
                "pre_alert_command_id": str(self.pre_alert_command_id) if self.pre_alert_command_id else None,
                "saved_at": datetime.now(UTC).isoformat()}

    def _edited(self) -> None:
        self.finish_command_id = None  # what would be sent changed: a new send is a new command
        if not self.pre_alerted and not self._pre_alerting:
            self.pre_alert_command_id = None
        if self._form_problems_shown:
            problems = self.form.problems()
            self.problems.setText("\n".join(problems))
            self._form_problems_shown = bool(problems)
        if self.active and self._handing_over is None:
            self._save_timer.start()
            self._update_send()

    def save_now(self) -> None:
        """Save the draft (and the intake on the case) now; coalesces while a save is running."""
        self._save_timer.stop()
        if not self.active:
            return
        if not self.executor.running:
            write_local(self.actor.username, self.payload())
            return
        if self._saving:
            self._save_again = True
            return
        payload = self.payload()
        intake = self.form.intake()
        case_id, draft_id, actor, create_id = self.case_id, self.draft_id, self.actor, self.create_command_id

        def job(factory: sessionmaker[Session]) -> tuple[int, int]:
            cid = case_id
            if cid is None:
                created = run(factory, actor, CreateCase(command_id=create_id, intake=intake))
                assert isinstance(created, CaseCreated)
                cid = created.case_id
            saved = run(factory, actor, SaveDraft(case_id=cid, intake=intake, payload=payload, draft_id=draft_id))
            assert isinstance(saved, DraftSaved)
            return saved.case_id, saved.draft_id

        self._saving = True
        self.executor.submit_writes(job, self._saved, self._save_failed, "drafts")

    def _saved(self, ids: tuple[int, int]) -> None:
        self._saving = False
        first = self.case_id is None
        if self.active:
            self.case_id, self.draft_id = ids
        remove_local(self.actor.username)
        self.db_banner.hide()
        self._update_title()
        if first:
            self.message.emit(self.tr("Ärende %d skapat.") % ids[0])
        self._flush_red_flags()
        self._flush_notes()
        self.limitation_decisions.flush(self.case_id)
        if self._save_again:
            self._save_again = False
            self.save_now()
        elif self._handing_over is not None:
            self._submit_hand_over()

    def _save_failed(self, exc: Exception) -> None:
        self._saving = False
        self._save_again = False
        if self._handing_over is not None:
            self._handing_over = None
            self._set_active(self.active)
            self.problems.setText(self.tr("Samtalet kunde inte sparas och lämnades inte över."))
        write_local(self.actor.username, self.payload())
        self.db_banner.setText(user_message(exc))
        self.db_banner.show()
        if not is_database_down(exc):
            self.message.emit(user_message(exc))

    def restore_unfinished(self) -> None:
        """At start: reopen the call that was in progress when the console last went away."""
        actor = self.actor
        DbOp(self.executor, lambda s: unfinished_draft(s, actor)).success(self._restore_from_db).failure(
            lambda exc: self._restore_payload(read_local(actor.username), None)).run()

    def _restore_from_db(self, draft: Any) -> None:
        local = read_local(self.actor.username)
        if draft is None:
            self._restore_payload(local, None)
        elif local and local.get("saved_at", "") > draft.payload.get("saved_at", ""):
            self._restore_payload(local, draft.id)
        else:
            self._restore_payload(draft.payload, draft.id)

    def _restore_payload(self, payload: dict[str, Any] | None, draft_id: int | None) -> None:
        if not payload:
            return
        self._clear()
        self._set_active(True)
        self.case_id, self.draft_id = payload.get("case_id"), draft_id
        if payload.get("create_command_id"):
            self.create_command_id = UUID(payload["create_command_id"])
        finish_id = payload.get("finish_command_id")
        pre_alert_id = payload.get("pre_alert_command_id")
        self.form.restore(payload.get("intake") or {})
        override = payload.get("override")
        # Only this user's own unsent steps are sent from here: a colleague's (a handed-over call) were sent by
        # their console, and would be refused as another user's command id.
        self._red_flag_records = [r for r in payload.get("red_flag_records") or []
                                  if isinstance(r, dict) and r.get("by") == self.actor.username]
        self.notes = [n for n in payload.get("notes") or [] if isinstance(n, dict) and n.get("command_id")]
        self._show_notes()  # a colleague's notes show too; only one's own unsent ones are sent from here
        self.limitation_decisions.restore(payload.get("limitation_decisions"))
        problems = self.driver.restore_vitals(payload.get("vitals") or {}, bool(payload.get("oxygen")))
        self.vitals.set_values(self.driver.vitals, self.driver.oxygen)
        if problems:
            self.vitals.show_error("\n".join(problems))
        self._show_assessment()
        if payload.get("complaint"):
            saved = _SavedTriage(payload["complaint"], [tuple(a) for a in payload.get("answers", [])],
                                 payload.get("red_flags") or ([payload["red_flag"]] if payload.get("red_flag") else []),
                                 override)
            self._replay_triage(saved)
            # The path may turn on the patient's register context (an automatic step while the patient was known):
            # until the lookup below answers, the replay stops there, and is done again with the context.
            self._saved_triage = saved if self.driver.answers() != saved.answers else None
        self.pre_alerted = bool(payload.get("pre_alert"))
        self._update_title()
        self.finish_command_id = UUID(finish_id) if finish_id else None  # after the replay's own edits
        self.pre_alert_command_id = UUID(pre_alert_id) if pre_alert_id else None
        self._update_send()
        self.lookup_patient()
        self.message.emit(self.tr("Det oavslutade samtalet (ärende %s) har öppnats igen.") % (self.case_id or "nytt"))
        self.save_now()

    def _replay_triage(self, saved: _SavedTriage) -> None:
        self.wizard.replay(saved.complaint, saved.answers)
        flags = [f for f in saved.red_flags if self.driver.ruleset.red_flag(f) is not None]
        if flags:
            self.red_flags = flags  # as they were: raising them again is no new step of the case
            for flag in flags:
                state = self.driver.raise_red_flag(flag)
            self.wizard.show_state(state)
        if saved.override and self.wizard.state.done:
            self._apply_override(saved.override)

    def _replay_with_context(self) -> None:
        """The restored call's answers, given again now that the patient's context is known, unless the nurse has
        answered since (then her path stands)."""
        saved, self._saved_triage = self._saved_triage, None
        if saved is None or self.wizard.state.complaint != saved.complaint:
            return
        shown = self.driver.answers()
        if shown != saved.answers[:len(shown)]:
            return
        finish_id, pre_alert_id = self.finish_command_id, self.pre_alert_command_id
        self._replay_triage(saved)
        self.finish_command_id, self.pre_alert_command_id = finish_id, pre_alert_id  # the same call, not a new one
        self._update_send()

    def open_existing(self, case_id: int) -> None:
        """Take over a case made elsewhere, pre-filled (a follow-up that went worse opens one)."""
        actor = self.actor
        DbOp(self.executor, lambda s: get_case(s, actor, case_id)).success(self._open_case).failure(
            lambda exc: self.message.emit(user_message(exc))).run()

    def _open_case(self, case: CaseView) -> None:
        if self.active and self._has_content():
            self.save_now()  # the call in progress stays as its own draft
        intake = {"caller": case.caller_name, "phone": case.callback_phone, "address": case.address,
                  "kommun": case.kommun or "", "patient": case.patient_name, "pnr": case.personnummer or "",
                  "age": case.patient_age if case.patient_age is not None else -1,
                  "position": from_case(case.lat, case.lon, case.position_source, case.position_accuracy_m,
                                        case.position_flag, case.address, case.kommun)}
        self._restore_payload({"intake": intake, "case_id": case.id}, None)
        if case.linked_case_id is not None:
            self.message.emit(self.tr("Ärende %d öppnat, kopplat till ärende %d (uppföljning: sämre).")
                              % (case.id, case.linked_case_id))

    # --- position -----------------------------------------------------------------------------
    def load_register(self) -> None:
        """At start: read and index the address register on a thread of its own (register_loader.py)."""
        if self.register_loader is not None:
            return
        self.register_loader = RegisterLoader(self.executor.factory, self)
        self.register_loader.loaded.connect(self._register_loaded)
        self.register_loader.failed.connect(self._register_failed)
        self.register_loader.start()

    def _register_loaded(self, index: Any, summary: RegisterSummary | None) -> None:
        if index is None or summary is None:
            self.form.location.set_register_state(None, self.tr(NO_REGISTER))
            return
        self.form.location.set_register_state(index, summary.hint())
        self.map.set_register_points(summary.lat, summary.lon)

    def _register_failed(self, why: str) -> None:
        self.form.location.set_register_state(None, self.tr("Adressregistret kunde inte läsas (%s) – kommunens "
                                                            "centrum används som position.") % why)
        self.message.emit(self.tr("Adressregistret kunde inte läsas: %s") % why)

    def shutdown(self) -> None:
        """Before the window goes: the register's thread is let finish (it cannot be cut mid-index)."""
        if self.register_loader is not None:
            self.register_loader.wait()

    def receive_phone_position(self, phone_position: Any) -> None:
        """An AML position from the network; shown when it is this call's callback number."""
        self.form.location.receive_phone_position(phone_position)

    def use_phone_position(self) -> None:
        """Ctrl+P: the caller's phone position (AML) becomes the case's, with its accuracy."""
        if not self.active:
            self.message.emit(self.tr("Inget pågående samtal."))
        elif not self.form.location.use_phone_position():
            self.message.emit(self.tr("Ingen telefonposition har kommit för återuppringningsnumret."))

    def toggle_map(self) -> None:
        """Ctrl+G: the map of the position with the coordinates field (focused), or back to the patient's context."""
        if self.side_tabs.currentIndex() == 1:
            self.side_tabs.setCurrentIndex(0)
            return
        self.side_tabs.setCurrentIndex(1)
        if self.active:
            self.form.location.panel.coordinates.setFocus()

    # --- patient context ----------------------------------------------------------------------
    def lookup_patient(self) -> None:
        if not self.active:
            return
        pnr, age = self.form.personnummer(), self.form.age_value()
        phone, address, actor, case_id = self.form.phone.text(), self.form.address.text(), self.actor, self.case_id

        def job(s: Session) -> tuple[PatientContext, str | None]:
            ctx, match = call_context(s, actor, pnr, age=age, callback_phone=phone, address=address,
                                      exclude_case_id=case_id, ask_unknown=True)
            return ctx, match.summary() if match else None

        self._lookups += 1
        lookup = self._lookups
        DbOp(self.executor, job).success(lambda result: self._context_found(result, lookup)).failure(
            lambda exc: self.message.emit(user_message(exc))).run()

    def _context_found(self, result: tuple[PatientContext, str | None], lookup: int) -> None:
        if lookup != self._lookups:
            return  # a newer lookup (another personnummer, a new call) is under way: its answer is the one shown
        self.context, self.recontact_summary = result
        self.context_panel.show_context(self.context, self.recontact_summary)
        self.care_plan_box.show_plan(self.context.care_plan)
        plan = self.context.care_plan
        if self.recontact_summary or (plan is not None and plan.limitations):
            self.side_tabs.setCurrentIndex(0)  # a recontact, a treatment limitation: never behind the map
        if self.context.age is not None and self.form.age_value() is None:
            self.form.age.setValue(self.context.age)
        self.wizard.set_context(self.context)
        self._replay_with_context()
        if self.wizard.state.complaint is None:
            self.driver.context = self.context  # the vital signs' scores depend on age (children, qSOFA)
            self._show_assessment()
        self._show_limitations()
        self._refresh_recommendation()

    # --- triage -------------------------------------------------------------------------------
    def _triage_changed(self, state: WizardState) -> None:
        if self.override and not self.driver.overridden():  # any change of the call drops an override
            self.override = None
            self.wizard.set_override_text("")
        if state.complaint is not None and not self._form_problems_shown:
            self.problems.setText("")  # e.g. "Välj kontaktorsak först" once one is chosen
        raised = self.driver.raised_red_flags() if state.complaint else []
        for flag in [f for f in self.red_flags if f not in raised]:  # taken back (Backspace, another complaint)
            self._record_red_flag(flag, withdrawn=True)
        for flag in [f for f in raised if f not in self.red_flags]:
            self._record_red_flag(flag, withdrawn=False)
        self.red_flags = raised
        self._show_assessment()
        self._show_limitations()
        self._refresh_recommendation()
        self._edited()

    # --- vital signs at any time --------------------------------------------------------------
    def set_vital(self, name: str, value: float | str | None) -> None:
        """A vital sign from the panel (None: cleared, not measured): the engine re-evaluates the call."""
        if not self.active:
            return
        try:
            state = self.driver.set_vital(name, value)
        except TriageInputError as exc:
            self.vitals.show_error(str(exc), name)
            return
        self.vitals.clear_error()
        self._after_vitals(state)

    def set_oxygen(self, on: bool) -> None:
        if self.active:
            self._after_vitals(self.driver.set_oxygen(on))

    def _after_vitals(self, state: WizardState) -> None:
        if state.complaint is not None:
            self.wizard.show_state(state)  # priority, reasons, care need and recommendation follow
        else:
            self._show_assessment()
            self._edited()

    def _show_assessment(self) -> None:
        news2, effects = self.driver.assessment()
        self.vitals.show_assessment(news2, effects)
        self.vitals.show_tree_values(self.driver.tree_vitals())

    # --- red flags at any moment --------------------------------------------------------------
    def raise_red_flag(self) -> None:
        """Ctrl+R: the nurse heard a red flag; choose it from the list and the engine ends the call at Prio 1."""
        if not self.active:
            self.message.emit(self.tr("Inget pågående samtal – en röd flagga registreras i ett samtal."))
            return
        st = self.wizard.state
        if st.complaint is None:
            self.problems.setText(self.tr("Välj kontaktorsak först: den röda flaggan avslutar triageringen "
                                          "för den kontaktorsaken."))
            self.wizard.focus_current()
            return
        dlg = RedFlagDialog(self.driver.available_red_flags(), st.complaint_name, self)
        if dlg.exec() != RedFlagDialog.DialogCode.Accepted:
            return
        flag = dlg.chosen()
        if flag is not None and self.active:
            self.apply_red_flag(flag)

    def apply_red_flag(self, flag_id: str) -> None:
        """Raise `flag_id` through the engine; the priority, care need and recommendation follow on screen."""
        self.wizard.show_state(self.driver.raise_red_flag(flag_id))  # _triage_changed records it
        self.wizard.focus_current()
        rf = self.driver.ruleset.red_flag(flag_id)
        self.message.emit(self.tr("Röd flagga registrerad: %s") % (rf.text if rf else flag_id))

    def _record_red_flag(self, flag_id: str, withdrawn: bool) -> None:
        rf = self.driver.ruleset.red_flag(flag_id)
        self._red_flag_records.append({"command_id": str(uuid4()), "flag_id": flag_id,
                                       "text": rf.text if rf else flag_id, "complaint": self.wizard.state.complaint,
                                       "withdrawn": withdrawn, "by": self.actor.username})
        self._flush_red_flags()

    def _flush_red_flags(self) -> None:
        """Send the red-flag steps not yet acknowledged, in order, each with its own kept id (a retry repeats it)."""
        if self.case_id is None or not self.executor.running:
            return  # kept with the draft: sent once the case exists / the database is back
        case_id = self.case_id
        for rec in self._red_flag_records:
            cid = rec["command_id"]
            if cid in self._red_flags_in_flight:
                continue
            self._red_flags_in_flight.add(cid)
            cmd = RecordRedFlag(command_id=UUID(cid), case_id=case_id, flag_id=rec["flag_id"], text=rec["text"],
                                complaint=rec.get("complaint"), withdrawn=bool(rec.get("withdrawn")))
            CommandOp(self.executor, self.actor, cmd).success(
                lambda _done, cid=cid: self._red_flag_recorded(cid)).failure(
                lambda exc, cid=cid: self._red_flag_not_recorded(cid, exc)).run()

    def _red_flag_recorded(self, command_id: str) -> None:
        self._red_flags_in_flight.discard(command_id)
        self._red_flag_records = [r for r in self._red_flag_records if r["command_id"] != command_id]
        self._send_if_steps_done()

    def _red_flag_not_recorded(self, command_id: str, exc: Exception) -> None:
        if isinstance(exc, CommandIdReused):  # already on record (this id ran before): nothing left to send
            self._red_flag_recorded(command_id)
            return
        self._red_flags_in_flight.discard(command_id)  # stays with the draft; the next save sends it again
        if self._send_after_steps:  # the finish waited for it: not sent, the nurse is told to try again
            self._send_after_steps = False
            self.problems.setText(self.tr("Ärendet skickades inte – den röda flaggan är ännu inte registrerad på "
                                          "ärendet: %s Tryck Ctrl+Enter igen; flaggan skickas först.")
                                  % user_message(exc))
        self.message.emit(self.tr("Den röda flaggan är registrerad i samtalet men ännu inte på ärendet: %s")
                          % user_message(exc))

    # --- treatment limitations (issue 20) -----------------------------------------------------
    def _limitation_notices(self) -> tuple[LimitationNotice, ...]:
        """The patient's limitations as the triage reports them (before a complaint: from the plan the lookup read)."""
        st = self.wizard.state
        if st.complaint is not None:
            return st.limitations
        return limitation_notices(self.context.care_plan, None, None, None)

    def _plan_patient(self) -> str | None:
        """Whose limitations the triage reports: the personnummer of the plan the context lookup read (a decision on
        one patient's limitation is none on another's, should the personnummer be corrected mid-call)."""
        plan = self.context.care_plan
        return plan.personnummer if plan is not None else None

    def _show_limitations(self) -> None:
        endpoint, patient = self.wizard.state.endpoint_code, self._plan_patient()
        self.plan_banner.show_plan(self.context.care_plan, self._limitation_notices(),
                                   lambda kind: self.limitation_decisions.decided(kind, endpoint, patient))

    def decide_limitations(self, then_send: bool = False) -> None:
        """Ctrl+B (and Ctrl+Enter while one is open): the nurse decides on each limitation this path concerns, one
        dialog each (ej HLR first). A decision that keeps the triaged path lets a Ctrl+Enter go on; following a
        limitation does not — the path is unchanged, and she overrides it (Ctrl+O) before she sends."""
        st = self.wizard.state
        if not self.active:
            self.message.emit(self.tr("Inget pågående samtal."))
            return
        pending = self.limitation_decisions.pending(st.limitations, st.endpoint_code, self._plan_patient())
        if not pending:
            self.message.emit(self.tr("Ingen behandlingsbegränsning i patientens plan väntar på beslut för den här "
                                      "vägen."))
            return
        if self.case_id is None:
            self.message.emit(self.tr("Ärendet sparas fortfarande – försök igen om ett ögonblick."))
            self.save_now()
            return
        case_id, endpoint, patient, followed = self.case_id, st.endpoint_code, self._plan_patient(), False
        for notice in pending:
            dlg = LimitationDialog(notice, lambda d, why, n=notice: self.limitation_decisions.command(
                case_id, n, endpoint, d, why), self)
            if dlg.exec() != LimitationDialog.DialogCode.Accepted or dlg.command is None:
                self._tell(self.tr("Ärendet skickas inte förrän du har beslutat om %s (Ctrl+B).") % notice.label)
                break
            if not self.active or self.case_id != case_id:
                return  # the call ended while the dialog was open
            self.limitation_decisions.add(dlg.command, patient)
            followed = followed or dlg.command.decision is LimitationDecision.FOLLOW_LIMITATION
            self.message.emit(self.tr("Ditt beslut om %s registreras på ärendet: %s")
                              % (notice.label, dlg.command.decision.label(dlg.command.kind)))
        self._show_limitations()
        self.save_now()  # the decision is kept with the draft (and sent from _saved)
        st = self.wizard.state  # as it is now (a context lookup may have answered while she decided)
        if self.limitation_decisions.pending(st.limitations, st.endpoint_code, self._plan_patient()):
            return
        if followed:
            self._tell(self.tr("Beslutet registreras. Vägen och prioriteten är oförändrade: ska de ändras, överstyr "
                               "(Ctrl+O) med skäl; Ctrl+Enter skickar ärendet."))
        elif then_send:
            self.send()  # waits until the decision is on the case
        else:
            self.problems.setText("")
        self.wizard.focus_current()

    def _limitation_recorded(self) -> None:
        self._show_limitations()
        self._send_if_steps_done()

    def _limitation_not_recorded(self, exc: Exception) -> None:
        self._send_after_steps = False
        self.problems.setText(self.tr("Beslutet om behandlingsbegränsningen finns kvar i samtalet men är ännu inte "
                                      "registrerat på ärendet: %s Tryck Ctrl+Enter igen; beslutet skickas först.")
                              % user_message(exc))
        self.message.emit(user_message(exc))

    # --- notes during the call ----------------------------------------------------------------
    def focus_note(self) -> None:
        """Ctrl+E: to the note field (Enter saves the note on the case)."""
        if not self.active:
            self.message.emit(self.tr("Inget pågående samtal – en anteckning på ett ärende i väntrummet skrivs i "
                                      "Dirigering (N)."))
            return
        self.call_notes.field.setFocus()

    def add_note(self, text: str) -> None:
        """A note typed during the call: kept with the draft at once, sent to the case as soon as it exists."""
        if not self.active:
            return
        self.notes.append({"command_id": str(uuid4()), "text": text, "written_at": datetime.now(UTC).isoformat(),
                           "by": self.actor.username, "author": self.actor.display_name or self.actor.username,
                           "sent": False})
        self._show_notes()
        if self._handing_over is None:
            self._save_timer.start()  # with the draft (database and local file): a crash keeps it
        self._flush_notes()

    def _show_notes(self) -> None:
        self.call_notes.show_notes(self.notes, self.actor.username)

    def _notes_waiting(self) -> bool:
        return any(not n.get("sent") and n.get("by") == self.actor.username for n in self.notes)

    def _flush_notes(self) -> None:
        """Send this user's notes not yet on the case, each with its own kept id (a retry repeats it)."""
        if self.case_id is None or not self.executor.running:
            return  # kept with the draft: sent once the case exists / the database is back
        case_id = self.case_id
        for n in self.notes:
            cid = str(n["command_id"])
            if n.get("sent") or n.get("by") != self.actor.username or cid in self._notes_in_flight:
                continue
            self._notes_in_flight.add(cid)
            cmd = AddCaseNote(command_id=UUID(cid), case_id=case_id, text=str(n["text"]),
                              written_at=datetime.fromisoformat(str(n["written_at"])))
            CommandOp(self.executor, self.actor, cmd).success(lambda _done, cid=cid: self._note_recorded(cid)) \
                .failure(lambda exc, cid=cid: self._note_not_recorded(cid, exc)).run()

    def _note_recorded(self, command_id: str) -> None:
        self._notes_in_flight.discard(command_id)
        for n in self.notes:
            if n["command_id"] == command_id:
                n["sent"] = True
        self._show_notes()
        self._send_if_steps_done()

    def _send_if_steps_done(self) -> None:
        """The finish Ctrl+Enter held back goes once the call's last red flag and note are on the case."""
        if self._send_after_steps and not self._red_flag_records and not self._notes_waiting() \
                and not self.limitation_decisions.waiting():
            self._send_after_steps = False
            self.send()

    def _note_not_recorded(self, command_id: str, exc: Exception) -> None:
        if isinstance(exc, CommandIdReused):  # already on record (this id ran before): nothing left to send
            self._note_recorded(command_id)
            return
        self._notes_in_flight.discard(command_id)  # stays with the draft; the next save sends it again
        self._send_after_steps = False
        self.problems.setText(self.tr("Anteckningen finns kvar i samtalet men är ännu inte sparad på ärendet: %s")
                              % user_message(exc))
        self.message.emit(user_message(exc))

    def _refresh_recommendation(self) -> None:
        st = self.wizard.state
        if not st.done or st.care_need is None or st.priority is None:
            self.recommendation.clear()
            self._update_send()
            return
        intake = self.form.intake()
        self.recommendation.update_for(st.priority, st.care_need, intake.kommun, intake.lat, intake.lon,
                                       self.context, self.case_id)
        self._update_send()

    def open_override(self) -> None:
        st = self.wizard.state
        if not st.done or st.priority is None or st.care_need is None:
            self.message.emit(self.tr("Överstyrning kan göras när triageringen är klar."))
            return
        base = self.driver.completed()
        dlg = OverrideDialog(Priority(base.priority), CareNeed.model_validate(base.care_need), self,
                             preview=self.driver.override_preview)
        if dlg.exec() == OverrideDialog.DialogCode.Accepted:
            priority, need, reason = dlg.chosen()
            self._apply_override({"priority": priority.value if priority else None,
                                  "care_need": need.model_dump(mode="json") if need else None, "reason": reason})

    def _apply_override(self, ov: dict[str, Any]) -> None:
        state = self.driver.override(Priority(ov["priority"]) if ov.get("priority") else None,
                                     CareNeed.model_validate(ov["care_need"]) if ov.get("care_need") else None,
                                     ov["reason"])
        self.override = ov
        self.wizard.override_text = self.tr("överstyrd: %s") % ov["reason"]
        self.wizard.show_state(state)

    # --- finishing ----------------------------------------------------------------------------
    def _can_pre_alert(self) -> bool:
        st = self.wizard.state
        return (st.complaint is not None and not st.done and st.priority is Priority.P1 and not self.pre_alerted
                and not self._pre_alerting)

    def _update_send(self) -> None:
        st = self.wizard.state
        if self.pre_alerted and st.done:
            text = self.tr("Uppdatera ärendet i väntrummet (Ctrl+Enter)")
        elif self._can_pre_alert():
            text = self.tr("Förlarm till väntrummet (Ctrl+Enter)")
        elif st.is_referral:
            text = self.tr("Avsluta med hänvisning (Ctrl+Enter)")
        else:
            text = self.tr("Till väntrummet (Ctrl+Enter)")
        self.send_button.setText(text)
        self.send_button.setEnabled(self.active and (st.done or self._can_pre_alert()))

    def send(self) -> None:
        """Ctrl+Enter: a referral completes the case here; anything else goes to väntrummet. Before the triage
        ends, a preliminary Prio 1 goes as a förlarm (pre_alert); a pre-alerted case is updated when it ends."""
        st = self.wizard.state
        if not self.active:
            self.message.emit(self.tr("Inget pågående samtal – tryck Ctrl+N för nytt ärende."))
            return
        if not st.done:
            self._send_before_the_end()
            return
        problems = self.form.problems()
        if problems:
            self.problems.setText("\n".join(problems))
            self._form_problems_shown = True  # re-checked on every edit, so a fixed field clears its message
            return
        if self.case_id is None:
            self.message.emit(self.tr("Ärendet sparas fortfarande – försök igen om ett ögonblick."))
            self.save_now()
            return
        self.problems.setText("")
        self._form_problems_shown = False
        # A limitation this path concerns (ej HLR on a cardiac-arrest path) is never passed silently: the nurse
        # decides first, and the call goes on from there
        if self.limitation_decisions.pending(st.limitations, st.endpoint_code, self._plan_patient()):
            self.decide_limitations(then_send=True)
            return
        # A red flag raised, a note typed or a limitation decided during the call is on the case before the call is
        # finished (the finish ends the draft that keeps them); the case's history keeps the order they happened in.
        if self._red_flag_records or self._notes_waiting() or self.limitation_decisions.waiting():
            self._send_after_steps = True
            self._flush_red_flags()
            self._flush_notes()
            self.limitation_decisions.flush(self.case_id)
            self.message.emit(self._waiting_text())
            return
        triage: CompletedTriage = self.driver.completed()
        intake: CaseIntake = self.form.intake()
        rec = self.recommendation.current
        rec_json = rec.model_dump(mode="json") if rec is not None else None
        if self.finish_command_id is None:
            self.finish_command_id = uuid4()
        cmd = FinishCall(command_id=self.finish_command_id, case_id=self.case_id, intake=intake, triage=triage,
                         referral=st.is_referral, recommendation_shown=rec_json, draft_id=self.draft_id)
        self._save_timer.stop()
        CommandOp(self.executor, self.actor, cmd).success(self._sent).failure(self._send_failed).run()

    def _waiting_text(self) -> str:
        if self.limitation_decisions.waiting():
            return self.tr("Beslutet om behandlingsbegränsningen registreras på ärendet först – ärendet skickas sedan.")
        if self._red_flag_records and self._notes_waiting():
            return self.tr("Den röda flaggan och anteckningarna sparas på ärendet först – ärendet skickas sedan.")
        if self._red_flag_records:
            return self.tr("Den röda flaggan registreras på ärendet först – ärendet skickas sedan.")
        return self.tr("Anteckningarna sparas först – ärendet skickas sedan.")

    def _sent(self, done: CallFinished) -> None:
        case_id, referral = done.case_id, done.where == "referred"
        remove_local(self.actor.username)
        self._clear()
        self._set_active(False)
        self.db_banner.hide()
        where = "referred" if referral else "waiting"
        if done.pre_alert:
            text = self.tr("Ärende %d uppdaterat i väntrummet med triageringen (förlarmet ersatt).") % case_id
        elif referral:
            text = self.tr("Ärende %d avslutat med hänvisning.") % case_id
        else:
            text = self.tr("Ärende %d skickat till väntrummet.") % case_id
        self.message.emit(text)
        self.case_sent.emit(case_id, where)

    # --- förlarm ------------------------------------------------------------------------------
    def _send_before_the_end(self) -> None:
        """Ctrl+Enter before the triage ends: a förlarm at a preliminary Prio 1, otherwise a Swedish reason why not."""
        st = self.wizard.state
        if st.complaint is None:
            self._tell(self.tr("Välj kontaktorsak först – triageringen är inte påbörjad."))
        elif self.pre_alerted:
            self._tell(self.tr("Förlarmet för ärende %s ligger redan i väntrummet. Fortsätt triageringen; "
                               "Ctrl+Enter när den är klar uppdaterar ärendet.") % self.case_id)
        elif self._pre_alerting:
            self._tell(self.tr("Förlarmet skickas – vänta ett ögonblick."))
        elif st.priority is not Priority.P1:
            now = st.priority.label if st.priority is not None else self.tr("ingen")
            self._tell(self.tr("Triageringen är inte klar. Förlarm före triageringens slut går bara vid preliminär "
                               "Prio 1 (nu %s) – fortsätt triageringen.") % now)
        else:
            self.pre_alert()

    def _tell(self, text: str) -> None:
        self.problems.setText(text)
        self.message.emit(text)

    def pre_alert(self) -> None:
        """Send the call to väntrummet at its preliminary Prio 1, marked förlarm; the triage goes on here."""
        if not self._can_pre_alert():
            return
        problems = self.form.problems()
        if problems:
            self.problems.setText("\n".join(problems))
            self._form_problems_shown = True
            return
        if self.case_id is None:
            self.message.emit(self.tr("Ärendet sparas fortfarande – försök igen om ett ögonblick."))
            self.save_now()
            return
        try:
            pre = self.driver.pre_alert()
        except ValueError as exc:
            self._tell(str(exc))
            return
        self.problems.setText("")
        self._form_problems_shown = False
        self._flush_red_flags()
        if self.pre_alert_command_id is None:
            self.pre_alert_command_id = uuid4()
        cmd = SendPreAlert(command_id=self.pre_alert_command_id, case_id=self.case_id, intake=self.form.intake(),
                           triage=pre)
        self._pre_alerting = True
        self._update_send()
        CommandOp(self.executor, self.actor, cmd).success(self._pre_alert_sent).failure(self._pre_alert_failed).run()

    def _pre_alert_sent(self, done: Done) -> None:
        self._pre_alerting = False
        if not self.active or done.case_id != self.case_id:
            return
        self.pre_alerted = True
        self._update_title()
        self._update_send()
        self.db_banner.hide()
        self.message.emit(self.tr("Förlarm: ärende %d ligger i väntrummet som Prio 1. Fortsätt triageringen – "
                                  "Ctrl+Enter när den är klar uppdaterar ärendet.") % done.case_id)
        self.save_now()  # the draft knows: a restart continues the same pre-alerted call
        self.wizard.focus_current()

    def _pre_alert_failed(self, exc: Exception) -> None:
        self._pre_alerting = False
        self._update_send()
        write_local(self.actor.username, self.payload())  # keeps the id: a retry is the same förlarm
        if is_database_down(exc):
            self.db_banner.setText(user_message(exc))
            self.db_banner.show()
        self._tell(self.tr("Förlarmet skickades inte: %s") % user_message(exc))

    def _send_failed(self, exc: Exception) -> None:
        write_local(self.actor.username, self.payload())  # keeps finish_command_id: a retry is the same send
        if is_database_down(exc):
            self.db_banner.setText(user_message(exc))
            self.db_banner.show()
        else:
            QMessageBox.warning(self, self.tr("Kunde inte skicka ärendet"), user_message(exc))
