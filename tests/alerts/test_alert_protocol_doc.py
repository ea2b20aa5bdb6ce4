"""docs/alert-protocol.md stays true: its examples are what the code sends and accepts, its limits, reasons and
settings are the code's."""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path

from dispatch.alerting import protocol
from dispatch.alerting.content import CONTENT_FIELDS, KOMMUN_CENTRE_ACCURACY_M
from resources.settings import DEFAULT_ALERT_ACK_TIMEOUTS, Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "alert-protocol.md"
TEXT = DOC.read_text(encoding="utf-8")


def examples() -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", TEXT, flags=re.S)]


def test_the_gateways_examples_are_accepted_and_the_larmcentrals_are_what_it_sends() -> None:
    by_shape = {}
    for ex in examples():
        if "epoch" in ex:
            by_shape["heartbeat"] = ex
        elif "of" in ex:
            by_shape["ack"] = ex
        elif "reason" in ex and "seq" not in ex:
            by_shape["decline"] = ex
        elif "reason" in ex:
            by_shape["cancel"] = ex
        else:
            by_shape["alert"] = ex
    assert set(by_shape) == {"heartbeat", "ack", "decline", "cancel", "alert"}
    for kind in ("heartbeat", "ack", "decline"):
        frames = [kind.encode(), json.dumps(by_shape[kind]).encode()]
        assert protocol.decode_gateway(frames, "ambulans").publisher == "ambulans"
    alert = by_shape["alert"]
    assert set(alert) == {"v", "publisher", "ts", "alert_id", "seq", "unit_id", "case_id", *CONTENT_FIELDS}
    assert alert["accuracy_m"] == KOMMUN_CENTRE_ACCURACY_M
    assert by_shape["cancel"]["reason"] in typing.get_args(protocol.CancelReason)


def test_limits_reasons_and_settings_are_the_codes() -> None:
    for value in (protocol.MAX_BODY_BYTES, protocol.MAX_FRAME_BYTES, protocol.MAX_FACTS, protocol.MAX_FACT_CHARS,
                  protocol.MAX_REASON_CHARS, protocol.MAX_SEQ):
        assert str(value) in TEXT, value
    for reason in ("malformed_frames", "unknown_type", "too_large", "invalid_json", "schema", "wrong_publisher",
                   "unknown_alert"):
        assert f"| `{reason}` |" in TEXT, reason
    for reason in typing.get_args(protocol.CancelReason):
        assert f"`{reason}`" in TEXT, reason
    timeouts = ",".join(f"{p.value}={s:.0f}" for p, s in DEFAULT_ALERT_ACK_TIMEOUTS.items())
    assert f"`LARMCENTRAL_ALERT_ACK_TIMEOUTS` | `{timeouts}`" in TEXT
    fields = Settings.model_fields
    assert f"`LARMCENTRAL_ALERT_RESEND_FIRST_S` | `{fields['alert_resend_first_s'].default:.0f}`" in TEXT
    assert f"`LARMCENTRAL_ALERT_RESEND_MAX_S` | `{fields['alert_resend_max_s'].default:.0f}`" in TEXT
