"""fastapi rules."""
