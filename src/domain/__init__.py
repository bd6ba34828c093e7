"""The domain layer."""
