"""asyncio rules."""
