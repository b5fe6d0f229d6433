# Watchlists were engine galleries with their composition fields; this copies them into the
# watchlists app (a watchlist, its first version and an entry per template), binds each to its
# authority in the gate and seals the signed-off ones, before the engine drops those fields.
# Standing galleries become reference galleries. Entries copied here were enrolled before
# their provenance was recorded, and say so in their reason.

from datetime import date, timedelta

from django.db import migrations

MIGRATED = "Copied from the engine's gallery: recorded before watchlist provenance was kept."


def forwards(apps, schema_editor):
    Gallery = apps.get_model("biometric_engine", "Gallery")
    EnrolledFace = apps.get_model("biometric_engine", "EnrolledFace")
    BoundGallery = apps.get_model("gate", "BoundGallery")
    Location = apps.get_model("authority", "Location")
    User = apps.get_model("authority", "User")
    Watchlist = apps.get_model("watchlists", "Watchlist")
    WatchlistVersion = apps.get_model("watchlists", "WatchlistVersion")
    WatchlistEntry = apps.get_model("watchlists", "WatchlistEntry")
    ReferenceGallery = apps.get_model("watchlists", "ReferenceGallery")
    ReferenceImage = apps.get_model("watchlists", "ReferenceImage")
    fallback_user = User.objects.order_by("pk").first()

    for gallery in Gallery.objects.order_by("pk"):
        created = gallery.composed_at or gallery.created_at
        if gallery.kind != "watchlist":
            reference = ReferenceGallery.objects.create(
                gallery=gallery, name=gallery.name, created_at=gallery.created_at
            )
            if fallback_user is None:
                continue
            for face in EnrolledFace.objects.filter(gallery=gallery):
                ReferenceImage.objects.create(
                    gallery=reference,
                    record_id=face.subject_ref,
                    source_system="custody" if gallery.kind == "custody" else "missing_persons",
                    retention_review_due=date.today() + timedelta(days=365),
                    review_note=MIGRATED,
                    enrolled_face=face,
                    added_by=fallback_user,
                    added_at=face.enrolled_at,
                )
            continue
        application = gallery.authority
        location = Location.objects.filter(application=application).order_by("pk").first()
        owner = gallery.signed_off_by or application.applicant or fallback_user
        if location is None or owner is None:
            continue  # left unbound and unsealed: the gate refuses it (fail closed)
        start = gallery.deployment_start or application.valid_from or created
        end = application.valid_until or start + timedelta(hours=12)
        if end <= start:
            end = start + timedelta(hours=12)
        BoundGallery.objects.create(gallery=gallery, authority=application)
        signed = gallery.signed_off_at is not None
        watchlist = Watchlist.objects.create(
            authority=application,
            name=gallery.name,
            gallery=gallery,
            deployment_start=start,
            deployment_end=end,
            location=location,
            status="signed_off" if signed else "composing",
            version=1,
            created_by=owner,
            created_at=created,
        )
        faces = list(EnrolledFace.objects.filter(gallery=gallery))
        categories = list(application.requested_categories or []) or ["wanted_by_courts"]
        for face in faces:
            WatchlistEntry.objects.create(
                watchlist=watchlist,
                added_in=1,
                record_id=face.subject_ref,
                source_system="pnc",
                category=categories[0],
                reason=MIGRATED,
                image_source_system="pnc",
                legal_basis=MIGRATED,
                quality=face.quality,
                image_sha256="",
                still_sought_confirmed_by=owner,
                still_sought_confirmed_at=created,
                enrolled_face=face,
                created_by=owner,
                created_at=face.enrolled_at,
            )
        WatchlistVersion.objects.create(
            watchlist=watchlist,
            number=1,
            opened_at=created,
            opened_by=owner,
            signed_off_at=gallery.signed_off_at,
            signed_off_by=gallery.signed_off_by,
            entry_count=len(faces),
            category_counts={categories[0]: len(faces)} if faces else {},
        )
        if signed:
            Gallery.objects.filter(pk=gallery.pk).update(
                sealed_at=gallery.signed_off_at, sealed_revision=gallery.revision, sealed_until=end
            )


class Migration(migrations.Migration):
    dependencies = [
        ("watchlists", "0001_initial"),
        ("gate", "0001_initial"),
        ("biometric_engine", "0005_gallery_seal"),
        ("authority", "0004_bounded_text_and_field_names"),
    ]
    run_before = [("biometric_engine", "0006_gallery_composition_moved")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
