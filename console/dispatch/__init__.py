"""The dispatcher's workspace: väntrummet, the fleet board, the map of Skåne and assignment.

Embed `DispatchWorkspace` (console/dispatch/workspace.py); it owns a `FeedBridge` whose
`health_changed` signal carries per-feed health for the status bar.
"""

from console.dispatch.bool_guard import protect_bools

protect_bools()  # PySide6 6.12 on Python 3.11: emit() leaks references to True (see bool_guard)
