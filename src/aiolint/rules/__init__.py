"""Rule families; every module below is imported by `aiolint.engine.registry.load_rules`."""
