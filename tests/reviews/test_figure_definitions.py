"""One definition of each figure: the exported verifier (stdlib only, so it cannot import the
apps) carries its own copy of which outcomes are false and which engaged; it must be the apps'."""

from deployments.models import ENGAGED_OUTCOMES, FALSE_OUTCOMES
from oversight import offline_verifier


def test_the_offline_verifier_counts_false_and_engaged_outcomes_as_the_platform_does():
    assert {str(o) for o in FALSE_OUTCOMES} == offline_verifier.FALSE_OUTCOMES
    assert {str(o) for o in ENGAGED_OUTCOMES} == offline_verifier.ENGAGED_OUTCOMES
