"""Dispatch: lowest adequate resource, assignment, unit status feeds and the fleet simulator. No Qt."""
