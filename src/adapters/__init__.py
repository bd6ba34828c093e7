"""The adapters layer."""
