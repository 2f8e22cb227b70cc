"""Fleet mode: one DeepInfra account's per-model concurrency limit held across gateway processes.

Optional (`pip install "openclaw-deepinfra[fleet]"`, redis-py) and off unless
`models.providers.deepinfra.fleet.redisUrl` or `OPENCLAW_DEEPINFRA_REDIS_URL` names a Redis (or
Valkey). When on, a call that got its local model slot (`transport.limits`, FIFO and AIMD per
process) also takes a fleet slot from `gate.FleetGate` before it is sent; the semaphore itself is
lease-based and lives in Redis (`scripts`), under a key prefix that is a hash of the API key.

Nothing here is imported unless fleet mode is configured, and nothing here touches the network
before the first call.
"""
