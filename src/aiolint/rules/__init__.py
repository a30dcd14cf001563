"""Rule families; every module below is imported by `aiolint.registry.load_rules`."""
