"""Memory-search embeddings: the `deepinfra` adapter, its provider, batching and index identity."""
