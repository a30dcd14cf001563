"""blocking rules."""
