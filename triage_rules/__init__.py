"""Nurse-driven triage: rule sets as versioned data files and the engine that walks them. No Qt."""
