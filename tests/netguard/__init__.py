"""The suite's network guard (see `network_guard`); this folder is also what the guarded child
processes get on their PYTHONPATH, so it holds nothing but the guard and its `sitecustomize`."""
