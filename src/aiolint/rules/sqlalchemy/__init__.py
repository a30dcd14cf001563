"""sqlalchemy rules."""
