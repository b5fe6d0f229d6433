"""Every write to deployments, cameras and alerts, one transaction each with its ledger event.

Planning and the lifecycle (``lifecycle``), cameras (``cameras``), frames through the gate
(``frames``) and the two human decisions on an alert (``alerts``).
"""
