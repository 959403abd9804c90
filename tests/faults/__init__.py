"""Fault scenarios: workers killed, the database restarted or busy (issue #9)."""
