"""DeepInfra model catalog: rows, surface buckets and snapshots (`models`), wire projection
(`wire`), static fallback (`static`), chat model definitions (`definitions`) and the refresher with
its on-disk last-good snapshot (`refresher`)."""
