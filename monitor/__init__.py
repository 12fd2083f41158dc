"""Cyberwellness Monitor: tracks ITU Cyberwellness Profiles and reports what changed."""

__version__ = "0.1.0"
