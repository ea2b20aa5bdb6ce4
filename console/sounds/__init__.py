"""The alert sounds, short WAVs made by generate.py (package data; played by console.alert_sound)."""
