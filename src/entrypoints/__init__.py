"""The entrypoints layer."""
