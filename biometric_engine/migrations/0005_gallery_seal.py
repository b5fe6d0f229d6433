# A gallery's seal (signed off at a revision, until a time): what the gate checks of a
# watchlist once its composition moved to the watchlists app.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("biometric_engine", "0004_report_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="gallery",
            name="sealed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="gallery",
            name="sealed_revision",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="gallery",
            name="sealed_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddConstraint(
            model_name="gallery",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("sealed_at__isnull", True),
                    models.Q(("sealed_revision__isnull", False), ("sealed_until__isnull", False)),
                    _connector="OR",
                ),
                name="a_seal_names_its_revision_and_end",
            ),
        ),
    ]
