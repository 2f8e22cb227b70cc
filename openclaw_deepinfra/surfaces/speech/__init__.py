"""Text-to-speech over DeepInfra's OpenAI-compatible ``/audio/speech`` (host contract §4).

``config`` reads and validates ``tts.providers.deepinfra`` (and the ``[[tts:…]]`` directive keys)
and holds the per-model voice lists, ``provider`` the registered provider object.
"""
