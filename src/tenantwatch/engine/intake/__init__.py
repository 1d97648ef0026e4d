"""Intake: Alertmanager's webhook payload, validated and stored before the engine answers."""
