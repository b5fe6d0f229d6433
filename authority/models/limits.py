"""How long each kind of text may be: the same bound in the model, the form and the API.

A statement of necessity or proportionality runs to a few pages at most; a reason, a note or a
justification to a few paragraphs. Without a bound one field could hold megabytes, which every
page, list, export and Written Authority Document would then carry.
"""

from django.core.validators import MaxLengthValidator
from django.db import models

# The intelligence case, the necessity and the proportionality statements.
STATEMENT_CHARS = 20_000
# Reasons a person writes for a decision, review, renewal, halt or cancellation (the API's
# inputs have the same bound: authority.api.applications.TEXT_LIMIT).
REASONS_CHARS = 10_000
# Every other paragraph of an application: aim, rationale, notice, safeguards, resourcing…
PARAGRAPH_CHARS = 5_000
# One row's text: an alternative's reason, a location's justification, a condition.
NOTE_CHARS = 2_000

# People expected past the cameras over a whole authorised window: ten million is several days
# at the busiest station in the country; more is a typing error, not an estimate.
MAX_FOOTFALL = 10_000_000
FOOTFALL_TOO_SMALL = "Enter the expected footfall as a whole number of people, 1 or more."
FOOTFALL_TOO_LARGE = f"Enter an expected footfall of {MAX_FOOTFALL:,} people or fewer."

TOO_LONG = "Shorten this to %(limit_value)s characters or fewer (it has %(show_value)s)."


def bounded_text(limit: int, *args, **kwargs) -> models.TextField:
    """A TextField whose bound is checked by full_clean, forms (maxlength) and serializers."""
    return models.TextField(
        *args, max_length=limit, validators=[MaxLengthValidator(limit, TOO_LONG)], **kwargs
    )
