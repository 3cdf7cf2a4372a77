"""Coordinator workflows: members, safeguarding, brokering, recording, sessions, corrections,
periods and alerts. Every function takes the coordinator's community and refuses (NotFound)
anything that belongs to another, and records what it did in the audit log."""
