"""The application an officer drafts, with its rows: alternatives, locations, assessments."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from .choices import (
    EDITABLE_STATUSES,
    AlternativeOutcome,
    ApplicationStatus,
    AssessmentKind,
    LegalBasis,
    LegitimateAim,
    LocationType,
    Mode,
    NoNoticeReason,
    Schedule8Condition,
    WatchlistCategory,
    labels_for,
)
from .limits import (
    FOOTFALL_TOO_LARGE,
    FOOTFALL_TOO_SMALL,
    MAX_FOOTFALL,
    NOTE_CHARS,
    PARAGRAPH_CHARS,
    REASONS_CHARS,
    STATEMENT_CHARS,
    bounded_text,
)

S = ApplicationStatus


class Application(FSMModelMixin, models.Model):
    reference = models.CharField(max_length=20, unique=True, editable=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    status = FSMField(default=S.DRAFT, choices=S.choices, protected=True, db_index=True)

    # What and why
    mode = models.CharField(max_length=8, choices=Mode.choices)
    operation_name = models.CharField(max_length=200)
    aim = bounded_text(PARAGRAPH_CHARS, "aim", blank=True, default="")
    legitimate_aim = models.CharField(
        max_length=40, choices=LegitimateAim.choices, blank=True, default=""
    )
    legal_bases = models.JSONField(default=list, blank=True, help_text="LegalBasis codes")
    schedule_8_condition = models.CharField(
        max_length=40, choices=Schedule8Condition.choices, blank=True, default=""
    )
    intelligence_case = bounded_text(
        STATEMENT_CHARS, blank=True, default="", help_text="Restricted: never published."
    )
    necessity = bounded_text(STATEMENT_CHARS, blank=True, default="")
    proportionality = bounded_text(STATEMENT_CHARS, blank=True, default="")

    # Watchlist (LFR) or gallery (RFR/OIFR)
    watchlist_rationale = bounded_text(PARAGRAPH_CHARS, blank=True, default="")
    requested_categories = models.JSONField(default=list, blank=True)
    max_watchlist_size = models.PositiveIntegerField(
        "maximum watchlist size", null=True, blank=True
    )
    # LFR only, and optional: the applicant's estimate of the people passing the cameras over
    # the whole window, at which the decide page states the false alerts to expect.
    expected_footfall = models.PositiveIntegerField(
        "expected footfall",
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, FOOTFALL_TOO_SMALL),
            MaxValueValidator(MAX_FOOTFALL, FOOTFALL_TOO_LARGE),
        ],
        help_text="People expected to pass the cameras over the whole window (LFR only).",
    )

    # When
    start_at = models.DateTimeField("start time", null=True, blank=True)
    end_at = models.DateTimeField("end time", null=True, blank=True)

    # Notice and safeguards
    advance_notice = models.BooleanField(default=True)
    notice_details = bounded_text(PARAGRAPH_CHARS, blank=True, default="")
    no_notice_reason = models.CharField(
        "reason for no advance notice",
        max_length=40,
        choices=NoNoticeReason.choices,
        blank=True,
        default="",
    )
    no_notice_explanation = bounded_text(PARAGRAPH_CHARS, blank=True, default="")
    safeguards = bounded_text(PARAGRAPH_CHARS, blank=True, default="")

    # Command and resourcing
    gold_commander = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Gold commander",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    silver_commander = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Silver commander",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    bronze_commander = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="Bronze commander",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resourcing = bounded_text(PARAGRAPH_CHARS, blank=True, default="")
    equality_considerations = bounded_text(PARAGRAPH_CHARS, blank=True, default="")

    # Matching
    model_version = models.CharField("face model", max_length=80, blank=True, default="")
    requested_threshold = models.DecimalField(
        "match threshold",
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )

    # Assembly, training, urgency
    affects_assembly = models.BooleanField("a protest or assembly may be affected", default=False)
    article_10_11_assessment = bounded_text(PARAGRAPH_CHARS, blank=True, default="")
    training_confirmed = models.BooleanField(default=False)
    is_urgent = models.BooleanField(default=False)
    urgency_reason = bounded_text(PARAGRAPH_CHARS, blank=True, default="")

    # Lifecycle facts (set by services only)
    submitted_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="authorising officer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications_to_decide",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    lapses_at = models.DateTimeField(null=True, blank=True)
    review_by = models.DateTimeField(null=True, blank=True)
    # A halt stops the engine at its next call without ending the authority (the Silver
    # commander's power in DOMAIN.md); resuming clears it. Both are on the ledger.
    halted_at = models.DateTimeField(null=True, blank=True)
    halted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    halt_reasons = bounded_text(REASONS_CHARS, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("draft_application", "Can draft an application to use facial recognition"),
            ("authorise_application", "Can decide applications (Superintendent or above)"),
            ("urgently_authorise_application", "Can urgently authorise (Inspector or above)"),
            ("consult_on_application", "Can give the Chief Officer's view on an LFR application"),
            ("view_restricted_application", "Can read the restricted intelligence case"),
        ]
        constraints = [
            models.CheckConstraint(
                name="application_window_ordered",
                condition=models.Q(start_at__isnull=True)
                | models.Q(end_at__isnull=True)
                | models.Q(end_at__gt=models.F("start_at")),
                # The service checks it first, on the end time's field (drafting.py); this
                # sentence is the backstop a person would read, never the constraint's name.
                violation_error_message="The end time must be after the start time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.operation_name}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def legal_basis_labels(self) -> list[str]:
        return labels_for(LegalBasis, self.legal_bases)

    def category_labels(self) -> list[str]:
        return labels_for(WatchlistCategory, self.requested_categories)

    def commanders(self) -> list:
        return [u for u in (self.gold_commander, self.silver_commander, self.bronze_commander) if u]

    # Transitions: guards live in authority.services; these only move the state.
    @transition(field=status, source=[S.DRAFT, S.RETURNED], target=S.SUBMITTED)
    def mark_submitted(self) -> None: ...

    @transition(field=status, source=S.SUBMITTED, target=S.RETURNED)
    def mark_returned(self) -> None: ...

    @transition(field=status, source=S.SUBMITTED, target=S.REFUSED)
    def mark_refused(self) -> None: ...

    @transition(field=status, source=S.SUBMITTED, target=S.AUTHORISED)
    def mark_authorised(self) -> None: ...

    @transition(field=status, source=S.SUBMITTED, target=S.URGENT_AUTHORISED)
    def mark_urgently_authorised(self) -> None: ...

    @transition(field=status, source=S.URGENT_AUTHORISED, target=S.AUTHORISED)
    def mark_ratified(self) -> None: ...

    @transition(field=status, source=S.URGENT_AUTHORISED, target=S.LAPSED)
    def mark_lapsed(self) -> None: ...

    @transition(field=status, source=[S.AUTHORISED, S.URGENT_AUTHORISED], target=S.CANCELLED)
    def mark_cancelled(self) -> None: ...

    @transition(field=status, source=S.AUTHORISED, target=S.EXPIRED)
    def mark_expired(self) -> None: ...


class Alternative(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="alternatives"
    )
    description = models.CharField(max_length=300)
    outcome = models.CharField(max_length=20, choices=AlternativeOutcome.choices)
    reason = bounded_text(NOTE_CHARS)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description


class Location(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200)
    borough = models.CharField(max_length=100, blank=True, default="")
    location_type = models.CharField(max_length=30, choices=LocationType.choices)
    justification = bounded_text(
        NOTE_CHARS, help_text="How this place ties to the intelligence case."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_location_type_display()})"


class ImpactAssessment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assessments"
    )
    kind = models.CharField(max_length=8, choices=AssessmentKind.choices)
    reference = models.CharField(max_length=200, help_text="Document reference or link.")
    version = models.CharField(max_length=20)
    approved_on = models.DateField(null=True, blank=True)
    review_date = models.DateField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"
