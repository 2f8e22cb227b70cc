"""Media understanding over DeepInfra (host contract §5): ``provider`` is the registered object and
speaks speech-to-text itself; image description is a vision chat completion (``describe``)."""
