"""The project model: what the project's own modules define that rules care about."""
