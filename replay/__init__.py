"""Region replay: a synthetic year of Skåne's calls through the product's own triage, recommendation and a
simulated fleet, to check the regional report's estimates (docs/region-replay.md).

Never writes the clinical record: it imports no `records` or `commands` module that writes (import-linter).
"""
