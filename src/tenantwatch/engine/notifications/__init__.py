"""Notifications: the outbox of messages per incident and channel, and their delivery."""
