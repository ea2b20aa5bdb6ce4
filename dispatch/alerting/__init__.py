"""Alerting units (utlarmning): the larmcentral's side of docs/alert-protocol.md.

`protocol` (the messages and their limits), `content` (what the crew is told about a case), `store` (alerts and
their revisions in the database: the outbox), `link` (the ROUTER sockets, one per publisher, CURVE-authenticated
with the feeds' keys). The sender that ties them to the command layer is commands/alert_service.py.
"""
