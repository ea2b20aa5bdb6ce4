"""Outcomes that feed back: case outcomes, follow-up, recontacts, per-endpoint learning, reports. No Qt."""
