"""DeepInfra provider plugin for OpenClaw-style agent gateways.

Importing the package does no I/O: the plugin entry point lives in :mod:`openclaw_deepinfra.plugin`
and the host contracts in :mod:`openclaw_deepinfra.host`.
"""

__version__ = "0.1.0"
