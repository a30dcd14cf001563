"""The engine: one file from bytes to findings (gates, LibCST parse, the rules' walk, noqa)."""
