"""The fix engine: resolve rule fixes to text edits, apply, verify, write."""
