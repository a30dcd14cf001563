"""Per-file facts shared by all rules, computed once and lazily."""
