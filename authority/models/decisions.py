"""What authorising officers and Chief Officers decide, and what happens to an authority after."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .applications import Application, Location
from .limits import NOTE_CHARS, REASONS_CHARS, bounded_text


class DecisionOutcome(models.TextChoices):
    AUTHORISED = "authorised", "Authorised"
    URGENTLY_AUTHORISED = "urgently_authorised", "Urgently authorised"
    REFUSED = "refused", "Refused"
    RETURNED = "returned", "Returned for amendment"
    RATIFIED = "ratified", "Ratified"


class DecisionQuerySet(models.QuerySet):
    def in_force(self) -> "DecisionQuerySet":
        """The decisions that authorised a window, the one in force first: the latest.

        The one definition of "the decision in force": the ORM reads it with ``.first()``,
        and the gate compiles this same query into its one-query check (``gate.selectors``).
        """
        return self.exclude(authorised_end=None).order_by("-decided_at", "-pk")


class Decision(models.Model):
    """One decision on one submission.

    The authorised scope is the request narrowed by the decision's conditions.
    """

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=24, choices=DecisionOutcome.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_rank = models.PositiveSmallIntegerField(help_text="Rank when deciding.")
    decided_at = models.DateTimeField()
    reasons = bounded_text(REASONS_CHARS)
    superintendent_unavailable_reason = bounded_text(REASONS_CHARS, blank=True, default="")
    mitigation_response = bounded_text(REASONS_CHARS, blank=True, default="")
    # The authorised scope (authorise / urgently authorise only).
    authorised_start = models.DateTimeField(null=True, blank=True)
    authorised_end = models.DateTimeField(null=True, blank=True)
    threshold = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    model_version = models.CharField(max_length=80, blank=True, default="")
    max_watchlist_size = models.PositiveIntegerField(null=True, blank=True)
    authorised_categories = models.JSONField(default=list, blank=True)
    authorised_locations = models.ManyToManyField(Location, blank=True, related_name="+")
    review_by = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} by {self.decided_by}"


class ConditionKind(models.TextChoices):
    WATCHLIST_SIZE = "watchlist_size", "Smaller maximum watchlist"
    WINDOW = "window", "Shorter window"
    THRESHOLD = "threshold", "Higher threshold"
    LOCATIONS = "locations", "Named locations only"
    CATEGORIES = "categories", "Fewer watchlist categories"
    SAFEGUARD = "safeguard", "Additional safeguard"


class Condition(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="conditions")
    kind = models.CharField(max_length=20, choices=ConditionKind.choices)
    text = bounded_text(NOTE_CHARS, help_text="The condition as the authorising officer wrote it.")
    value = models.JSONField(default=dict, blank=True, help_text="The narrowed value, if any.")

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"


class ConsultationOutcome(models.TextChoices):
    NOTED = "noted", "Noted"
    MITIGATION_REQUIRED = "mitigation_required", "Mitigation required"
    VETO = "veto", "Veto"


class ChiefOfficerConsultation(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="consultations"
    )
    chief_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=24, choices=ConsultationOutcome.choices)
    comments = bounded_text(REASONS_CHARS)
    mitigation = bounded_text(REASONS_CHARS, blank=True, default="")
    consulted_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["consulted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} by {self.chief_officer}"


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", "Continue"
    CONTINUE_WITH_CHANGES = "continue_with_changes", "Continue, with changes noted"
    CANCEL = "cancel", "Cancel (cancellation follows)"


class AuthorityReview(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="reviews")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()
    findings = bounded_text(REASONS_CHARS)
    outcome = models.CharField(max_length=24, choices=ReviewOutcome.choices)
    next_review_by = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["reviewed_at", "pk"]

    def __str__(self) -> str:
        return f"Review {self.reviewed_at:%Y-%m-%d}: {self.get_outcome_display()}"


class Renewal(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="renewals")
    number = models.PositiveSmallIntegerField(help_text="1 for the first renewal, 2 the second…")
    renewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    renewed_at = models.DateTimeField()
    reasons = bounded_text(REASONS_CHARS)
    previous_end = models.DateTimeField()
    new_end = models.DateTimeField()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="renewal_numbered_once")
        ]

    def __str__(self) -> str:
        return f"{self.ordinal} renewal"

    @property
    def ordinal(self) -> str:
        return ordinal(self.number)


_ORDINAL_WORDS = (
    "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
)  # fmt: skip


def ordinal(number: int) -> str:
    """First … Tenth in words (as a Written Authority reads), then 11th, 21st, 22nd, 23rd…"""
    if 1 <= number <= len(_ORDINAL_WORDS):
        return _ORDINAL_WORDS[number - 1]
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


class Cancellation(models.Model):
    """The cancellation report."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="cancellation"
    )
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField()
    reasons = bounded_text(REASONS_CHARS)
    report = bounded_text(
        REASONS_CHARS, help_text="What was done under the authority and what it achieved."
    )

    def __str__(self) -> str:
        return f"Cancellation of {self.application}"


class TextSimilarityFlag(models.Model):
    """A necessity or proportionality text near-identical to another application's."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="similarity_flags"
    )
    field = models.CharField(max_length=20)
    other_application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    similarity = models.DecimalField(max_digits=4, decimal_places=3)
    flagged_at = models.DateTimeField()

    class Meta:
        ordering = ["-similarity"]

    def __str__(self) -> str:
        return f"{self.field} {self.similarity} like {self.other_application}"


class WrittenAuthorityDocument(models.Model):
    """A signed WAD as rendered. Never overwritten: each change makes a new version.

    The PDF is stored in the database so it commits or rolls back with the decision it records.
    """

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="documents")
    version = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=40)
    content = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["application", "version"]
        constraints = [
            models.UniqueConstraint(fields=["application", "version"], name="wad_version_once")
        ]

    def __str__(self) -> str:
        return self.filename

    @property
    def filename(self) -> str:
        return f"{self.application.reference}-WAD-v{self.version}.pdf"
