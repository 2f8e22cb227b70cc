"""Media understanding over DeepInfra (host contract §5): speech-to-text (``transcribe``) and image
description as a vision chat completion (``describe``); ``provider`` is the registered object."""
