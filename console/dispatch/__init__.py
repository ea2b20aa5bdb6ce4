"""The dispatcher's workspace: väntrummet, the fleet board, the map of Skåne and assignment.

Embed `DispatchWorkspace` (console/dispatch/workspace.py); it owns a `FeedBridge` whose
`health_changed` signal carries per-feed health for the status bar.
"""
