"""Memory-search embeddings: the `deepinfra` adapter, its provider, the endpoint and its index
identity, and request batching."""
