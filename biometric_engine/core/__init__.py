"""The engine's core: detection, embedding, index, matching and evaluation, free of Django.

The gate package (scopes, the ledger) wraps these modules; nothing here imports it.
"""
