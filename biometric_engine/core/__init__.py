"""The engine's core: detection, embedding, index, matching and evaluation, free of Django.

The Django gate (authority scopes, the ledger) wraps these modules; nothing here imports it.
"""
