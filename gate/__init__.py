"""The gate: the one place where an authority meets the engine.

It mints signed scopes for authorities valid now (``minting``), re-checks every engine call
against the database (``checks``), and runs the ledgered searches and enrolments (``search``,
``enrolment``). It reads ``authority`` and drives ``biometric_engine``; neither imports it.
"""
