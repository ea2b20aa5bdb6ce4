"""The unit status transition graph (docs/recommendation.md, "Unit status").

Normal cycle: ledig_station/ledig_ute → larmad → framkorning → pa_plats → transport →
vid_sjukhus → ledig_ute/ledig_station. Shortcuts: larm cancelled or unit recalled
(larmad/framkorning → ledig), left at home (pa_plats → ledig_ute/ledig_station), redirected to
another case (larmad/framkorning/pa_plats/vid_sjukhus → larmad), free units go in and out of
service. A unit with a patient on board (transport) can only arrive at hospital.
"""

from __future__ import annotations

from resources.vocabulary import UnitStatus as S

FREE = frozenset({S.AVAILABLE_AT_STATION, S.AVAILABLE_OUT})

TRANSITIONS: dict[S, frozenset[S]] = {
    S.AVAILABLE_AT_STATION: frozenset({S.ALERTED, S.AVAILABLE_OUT, S.OFF_DUTY}),
    S.AVAILABLE_OUT: frozenset({S.ALERTED, S.AVAILABLE_AT_STATION, S.OFF_DUTY}),
    S.ALERTED: frozenset({S.EN_ROUTE, S.AVAILABLE_AT_STATION, S.AVAILABLE_OUT}),
    S.EN_ROUTE: frozenset({S.ON_SCENE, S.AVAILABLE_OUT, S.AVAILABLE_AT_STATION, S.ALERTED}),
    S.ON_SCENE: frozenset({S.TRANSPORTING, S.AVAILABLE_OUT, S.AVAILABLE_AT_STATION, S.ALERTED}),
    S.TRANSPORTING: frozenset({S.AT_HOSPITAL}),
    S.AT_HOSPITAL: frozenset({S.AVAILABLE_OUT, S.AVAILABLE_AT_STATION, S.ALERTED}),
    S.OFF_DUTY: frozenset({S.AVAILABLE_AT_STATION, S.AVAILABLE_OUT}),
}

# Why a transition is refused, for the cases a dispatcher will actually meet.
_WHY: dict[tuple[frozenset[S], S], str] = {
    (frozenset({S.ALERTED, S.EN_ROUTE, S.ON_SCENE, S.TRANSPORTING, S.AT_HOSPITAL}), S.OFF_DUTY):
        "en enhet kan bara gå ur tjänst när den är ledig",
    (frozenset({S.TRANSPORTING}), S.ALERTED): "enheten transporterar en patient och kan inte larmas förrän den är framme",
    (frozenset({S.TRANSPORTING}), S.AVAILABLE_OUT): "enheten transporterar en patient; den blir ledig först vid sjukhuset",
    (frozenset({S.TRANSPORTING}), S.AVAILABLE_AT_STATION):
        "enheten transporterar en patient; den blir ledig först vid sjukhuset",
    (FREE | {S.OFF_DUTY}, S.EN_ROUTE): "enheten måste larmas innan den kan köra fram",
    (FREE | {S.OFF_DUTY}, S.ON_SCENE): "enheten måste larmas och köra fram innan den är på plats",
    (FREE | {S.OFF_DUTY}, S.TRANSPORTING): "enheten har ingen patient att transportera",
    (FREE | {S.OFF_DUTY}, S.AT_HOSPITAL): "enheten har ingen patient att lämna på sjukhus",
    (frozenset({S.OFF_DUTY}), S.ALERTED): "enheten är inte i tjänst",
    (frozenset({S.ALERTED}), S.ON_SCENE): "enheten måste köra fram innan den är på plats",
    (frozenset({S.ALERTED, S.EN_ROUTE}), S.TRANSPORTING): "enheten måste vara på plats innan transporten börjar",
    (frozenset({S.ALERTED, S.EN_ROUTE, S.ON_SCENE}), S.AT_HOSPITAL): "enheten måste transportera patienten först",
}


class IllegalTransition(ValueError):
    """A refused status change. The message is Swedish and shown to the dispatcher."""

    def __init__(self, old: S, new: S, reason: str):
        self.old, self.new, self.reason = old, new, reason
        super().__init__(f"Otillåten statusändring {old.label} → {new.label}: {reason}.")


def is_legal(old: S, new: S) -> bool:
    return old == new or new in TRANSITIONS[old]


def check_transition(old: S | str, new: S | str) -> None:
    """Raise IllegalTransition (with the reason) unless `old → new` is in the graph.
    Staying in the same status is always allowed (a repeated report)."""
    old, new = S(old), S(new)
    if is_legal(old, new):
        return
    for (froms, to), why in _WHY.items():
        if old in froms and new == to:
            raise IllegalTransition(old, new, why)
    allowed = ", ".join(s.label for s in sorted(TRANSITIONS[old], key=list(S).index))
    raise IllegalTransition(old, new, f"från {old.label} är bara {allowed} tillåtna")


def graph_table() -> list[tuple[str, list[str]]]:
    """The graph as (from, [to...]) in status order, for documentation and the console."""
    order = list(S)
    return [(s.value, [t.value for t in sorted(TRANSITIONS[s], key=order.index)]) for s in order]
