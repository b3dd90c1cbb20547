"""Shared machinery (db, clock, timers, hub, work tracking, ids); imports no service."""
