"""DeepInfra model catalog: wire projection (`wire`), surface buckets (`buckets`), static fallback
(`static`), the on-disk last-good snapshot (`store`) and the refresher (`refresher`)."""
