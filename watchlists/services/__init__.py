"""Every write to watchlists and reference galleries, one transaction each with its ledger event.

Composition (``composition``), sign-off and the decisions before it (``sign_off``), bulk import
(``imports``), deletion after deployment (``deletion``) and reference galleries (``reference``).
"""
