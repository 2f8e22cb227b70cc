"""Performance benchmarks of the plugin against raw aiohttp and raw httpx (`python -m benchmarks`)."""
