"""The feed counters as people read them: one line per feed with the names of docs/feed-protocol.md
section 8.3, for `feed serve` and `feed watch` (the console shows the same counters in Swedish)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dispatch.feed.state import FeedView

# (name in the document, FeedView attribute) in the order they are printed
FEED_COUNTERS = (
    ("messages", "messages"), ("updates", "updates"), ("gaps", "gaps"), ("resyncs", "resyncs"), ("restarts", "restarts"),
    ("resets", "resets"), ("duplicates", "duplicates"), ("replays", "replays"), ("replayed", "replayed"),
    ("holes", "holes"), ("hole_updates", "hole_updates"), ("illegal_transitions", "illegal_transitions"),
    ("refused_handshakes", "auth_refused"),
)
# per publisher, from the record writer's counters()
WRITER_COUNTERS = ("stored", "unchanged", "duplicates", "outcomes_inboxed", "holes", "hole_updates", "not_leader")


def _reasons(counts: Mapping[str, int]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(counts.items()) if v) or "0"


def feed_line(f: FeedView, writer: Mapping[str, Any] | None = None) -> str:
    """`ambulans messages=120 … rejected=schema=2,too_large=1 refused=wrong_key=1 | stored=… dead_lettered=…`."""
    heard = "never" if f.last_heard_age_s is None else f"{f.last_heard_age_s:.1f}s"
    parts = [f"{f.publisher:16}"] + [f"{name}={getattr(f, attr)}" for name, attr in FEED_COUNTERS]
    parts += [f"rejected={_reasons(f.rejected_by_reason)}", f"refused={_reasons(f.refused_by_reason)}",
              f"last_heard={heard}"]
    if f.stale:
        parts.append("INGEN KONTAKT")
    line = " ".join(parts)
    if writer is not None:
        record = [f"record.{name}={writer.get(name, 0)}" for name in WRITER_COUNTERS]
        record.append(f"record.dead_lettered={_reasons(writer.get('dead_lettered', {}))}")
        line += "\n  " + " ".join(record)
    return line
