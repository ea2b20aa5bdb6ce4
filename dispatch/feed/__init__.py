"""Live unit status over ZeroMQ: protocol messages, the subscriber thread and the fleet state.

Entry points: `FleetState` (read by the console and the recommendation), `FeedSubscriber`
(keeps it current), `FeedPublisher` (the publishing side), `FeedRecordWriter` (the feed record:
changes stored, refused events dead-lettered, holes named, retention).
See docs/feed-protocol.md.
"""
