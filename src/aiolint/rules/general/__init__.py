"""Rules about the file itself."""
