"""Accounts: police officers with an ordered rank, police staff, and oversight bodies."""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from common.roles import Role


class Rank(models.IntegerChoices):
    """Police ranks in order, so "at least Superintendent" is a comparison.

    Metropolitan Police titles; a county force's Assistant Chief Constable sits with Commander,
    Deputy Chief Constable with Deputy Assistant Commissioner, Chief Constable with Assistant
    Commissioner.
    """

    CONSTABLE = 10, "Constable"
    SERGEANT = 20, "Sergeant"
    INSPECTOR = 30, "Inspector"
    CHIEF_INSPECTOR = 40, "Chief Inspector"
    SUPERINTENDENT = 50, "Superintendent"
    CHIEF_SUPERINTENDENT = 60, "Chief Superintendent"
    COMMANDER = 70, "Commander"
    DEPUTY_ASSISTANT_COMMISSIONER = 80, "Deputy Assistant Commissioner"
    ASSISTANT_COMMISSIONER = 90, "Assistant Commissioner"
    DEPUTY_COMMISSIONER = 100, "Deputy Commissioner"
    COMMISSIONER = 110, "Commissioner"


class AccountKind(models.TextChoices):
    OFFICER = "officer", "Police officer"
    STAFF = "staff", "Police staff"
    OVERSIGHT = "oversight", "Oversight body"


class User(AbstractUser):
    kind = models.CharField(max_length=16, choices=AccountKind.choices, default=AccountKind.OFFICER)
    rank = models.PositiveSmallIntegerField(choices=Rank.choices, null=True, blank=True)
    warrant_number = models.CharField(
        "collar / warrant number", max_length=32, blank=True, default=""
    )
    command_unit = models.CharField(max_length=120, blank=True, default="")
    organisation = models.CharField(
        max_length=120, blank=True, default="", help_text="For oversight accounts: the body."
    )

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        db_table = "authority_user"
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            models.CheckConstraint(
                name="officer_has_rank_and_warrant",
                condition=~models.Q(kind="officer")
                | (models.Q(rank__isnull=False) & ~models.Q(warrant_number="")),
            ),
            models.CheckConstraint(
                name="only_officers_hold_rank",
                condition=models.Q(kind="officer") | models.Q(rank__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["warrant_number"],
                condition=~models.Q(warrant_number=""),
                name="unique_warrant_number",
            ),
        ]

    def clean(self) -> None:
        super().clean()
        if self.kind == AccountKind.OFFICER:
            if self.rank is None:
                raise ValidationError({"rank": "A police officer must have a rank."})
            if not self.warrant_number:
                raise ValidationError(
                    {"warrant_number": "A police officer must have a collar or warrant number."}
                )
        elif self.rank is not None:
            raise ValidationError({"rank": "Only police officers hold a rank."})

    @property
    def is_officer(self) -> bool:
        return self.kind == AccountKind.OFFICER

    def has_rank_at_least(self, rank: Rank) -> bool:
        return self.is_officer and self.rank is not None and self.rank >= rank

    @property
    def rank_label(self) -> str:
        return Rank(self.rank).label if self.rank is not None else ""

    @property
    def roles(self) -> set[Role]:
        codes = {group.name for group in self.groups.all()}
        return {role for role in Role if role.value in codes}

    def has_role(self, role: Role) -> bool:
        return self.groups.filter(name=role.value).exists()

    @property
    def display_name(self) -> str:
        name = self.get_full_name() or self.username
        return f"{self.rank_label} {name}".strip() if self.is_officer else name

    def __str__(self) -> str:
        if self.is_officer and self.warrant_number:
            return f"{self.display_name} ({self.warrant_number})"
        return self.display_name
