"""The care need: what triage asks of dispatch (documented in docs/care-need.md).

Like NHS Pathways' "disposition", a care need is a skill set plus a time frame;
the recommendation then looks up the least intensive resource that meets it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from resources.vocabulary import Capability, TransportNeed


class CareNeedPart(BaseModel):
    """One unit's worth of need: what it must be able to do, and by when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str = Field(default="", description="Swedish label of this part, e.g. 'IVPA'; empty for the primary part")
    capabilities: frozenset[Capability] = frozenset()
    preferred: frozenset[Capability] = Field(
        default=frozenset(),
        description="Welcome but not required: never makes a type inadequate, but unlocks types reserved for "
                    "them (palette `reserved_for`, e.g. PAP for psychiatric_assessment) and is named in the reasons",
    )
    transport: TransportNeed = TransportNeed.NONE
    max_minutes: int | None = Field(
        default=None, ge=0, description="Longest acceptable time until a resource is with the patient; None = no limit"
    )

    @property
    def requested(self) -> frozenset[Capability]:
        """Everything the part asks for: required plus preferred capabilities."""
        return self.capabilities | self.preferred


class CareNeed(CareNeedPart):
    """The primary need plus any further units the case requires at the same time."""

    additional: tuple[CareNeedPart, ...] = ()

    def parts(self) -> list[CareNeedPart]:
        primary = CareNeedPart(
            role=self.role, capabilities=self.capabilities, preferred=self.preferred, transport=self.transport,
            max_minutes=self.max_minutes,
        )
        return [primary, *self.additional]
