"""Fail closed, proven against the real database (transactional tests: real commits)."""

import pytest
from django.db import transaction

from authority.models import User
from oversight.errors import BiometricDataInLedger, LedgerOutsideTransaction
from oversight.ledger import ledger_head, record_event
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_an_action_whose_ledger_write_fails_leaves_no_trace():
    before = ledger_head()
    with pytest.raises(BiometricDataInLedger), transaction.atomic():
        officer = UserFactory(username="no-trace")
        record_event(
            actor=None,
            action="officer.enrolled",
            subject=officer,
            payload={"face": b"\x89PNG"},
        )
    assert not User.objects.filter(username="no-trace").exists()
    assert not User.history.filter(username="no-trace").exists()
    assert ledger_head() == before


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_record_event_writes_nothing():
    before = ledger_head()
    with pytest.raises(LedgerOutsideTransaction):
        record_event(actor=None, action="application.lapsed", subject=("authority.application", 1))
    assert ledger_head() == before
