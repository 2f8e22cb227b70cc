"""Text-to-speech over DeepInfra's OpenAI-compatible ``/audio/speech`` (host contract §4).

``config`` reads and validates ``tts.providers.deepinfra``, ``voices`` holds the per-model voice
lists, ``directives`` the ``[[tts:…]]`` keys, ``provider`` the registered provider object.
"""
