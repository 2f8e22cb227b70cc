"""The plugin's one HTTP layer: pooled clients, retries, SSE and the mapping of httpx and status
errors into the error tree. Redaction lives in `openclaw_deepinfra.redact` (the error tree needs it
too, so it sits below both)."""
