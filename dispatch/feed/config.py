"""Subscriber configuration (YAML/JSON, validated): which feeds, how to authenticate, time limits."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from resources.datafile import load_model
from resources.fleet import Publisher

Endpoint = str


class FeedEndpoint(BaseModel):
    """One publisher's two sockets, and where the larmcentral binds the ROUTER its unit gateway connects to for
    alerts (docs/alert-protocol.md; none: its units get no alerts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    publisher: Publisher
    updates: Endpoint = Field(pattern=r"^(tcp|ipc|inproc)://.+", description="The publisher's PUB socket")
    snapshot: Endpoint = Field(pattern=r"^(tcp|ipc|inproc)://.+", description="The publisher's ROUTER socket")
    alerts: Endpoint | None = Field(default=None, pattern=r"^(tcp|ipc|inproc)://.+",
                                    description="The larmcentral's alert ROUTER for this publisher (bound)")


class CurveSettings(BaseModel):
    """The larmcentral is the CURVE server: it holds its secret key and accepts only publishers whose
    public keys are in `allowed_publishers` (a directory of ``*.key`` files made by `feed keys`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server_secret_key: Path
    allowed_publishers: Path


class SubscriberConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    feeds: list[FeedEndpoint] = Field(min_length=1)
    curve: CurveSettings | None = None
    insecure_lab: bool = Field(default=False, description="Plain TCP without CURVE; only for a lab")
    unit_stale_after_s: float = Field(default=120.0, gt=0)
    feed_stale_after_s: float = Field(default=5.0, gt=0)
    max_clock_skew_s: float = Field(default=5.0, ge=0)
    snapshot_timeout_s: float = Field(default=2.0, gt=0)
    quarantine_size: int = Field(default=200, ge=1)
    poll_interval_s: float = Field(default=0.05, gt=0, le=1.0)

    @model_validator(mode="after")
    def _secure_unless_lab(self) -> SubscriberConfig:
        if self.curve is None and not self.insecure_lab:
            raise ValueError("ange 'curve' (nycklar) eller, bara i labbmiljö, 'insecure_lab: true'")
        if self.curve is not None and self.insecure_lab:
            raise ValueError("'curve' och 'insecure_lab: true' kan inte anges samtidigt")
        names = [f.publisher for f in self.feeds]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"publicisten finns flera gånger i 'feeds': {', '.join(dupes)}")
        alerts = [f.alerts for f in self.feeds if f.alerts is not None and not f.alerts.endswith(":*")]
        shared = sorted({a for a in alerts if alerts.count(a) > 1})
        if shared:
            raise ValueError(f"samma larmändpunkt för flera publicister: {', '.join(shared)}")
        return self

    def alert_endpoints(self) -> dict[str, str]:
        """Publisher → the alert endpoint the larmcentral binds for it (docs/alert-protocol.md 9)."""
        return {f.publisher: f.alerts for f in self.feeds if f.alerts is not None}


def load_subscriber_config(path: Path | str) -> SubscriberConfig:
    """Read a subscriber config; raises DataFileError naming the file and field."""
    return load_model(Path(path), SubscriberConfig, entry_key="publisher")


def save_subscriber_config(config: SubscriberConfig, path: Path | str) -> None:
    Path(path).write_text(yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
                          encoding="utf-8")
