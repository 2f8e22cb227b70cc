"""Video generation (host contract §7): DeepInfra's native `/v1/inference/<model>` route and its
OpenAI-compatible asynchronous job API (both in `apis.py`), behind one provider object (`provider.py`)."""
