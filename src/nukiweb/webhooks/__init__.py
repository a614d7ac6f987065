"""Delivering the outbox's events to their subscribers."""
