"""DeepInfra model catalog: rows, surface buckets and snapshots (`models`), wire projection
(`wire`), static fallback (`static`), the on-disk last-good snapshot (`store`) and the refresher."""
