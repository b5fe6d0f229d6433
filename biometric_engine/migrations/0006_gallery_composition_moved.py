# Who composed a watchlist, for which authority and deployment, and its sign-off now live in
# the watchlists app (copied there by watchlists 0002, which runs before this).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("biometric_engine", "0005_gallery_seal"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="gallery",
            name="watchlist_belongs_to_an_authority",
        ),
        migrations.RemoveField(model_name="gallery", name="authority"),
        migrations.RemoveField(model_name="gallery", name="composed_at"),
        migrations.RemoveField(model_name="gallery", name="deployment_start"),
        migrations.RemoveField(model_name="gallery", name="signed_off_at"),
        migrations.RemoveField(model_name="gallery", name="signed_off_by"),
    ]
