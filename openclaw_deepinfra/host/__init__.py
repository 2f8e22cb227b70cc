"""Host side: the contracts, plugin loading and registry of a small OpenClaw-style gateway.

Import each name from the module that defines it (``host.hookspecs``, ``host.api``,
``host.registry``, ``host.manifest``, ``host.errors``, ``host.contracts.<surface>``).
"""
