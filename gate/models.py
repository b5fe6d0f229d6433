"""The gate's one record: which authority a watchlist's gallery is bound to.

The engine knows galleries, not authorities; the watchlist app knows both but sits above the
gate. The binding lives here, where an authority meets the engine, so the check at every call
reads it in the same query as the authority and the gallery's seal.
"""

from django.db import models


class BoundGallery(models.Model):
    """A watchlist's gallery, bound for good to the one LFR authority it was composed under."""

    gallery = models.OneToOneField(
        "biometric_engine.Gallery", on_delete=models.PROTECT, related_name="binding"
    )
    authority = models.ForeignKey(
        "authority.Application", on_delete=models.PROTECT, related_name="bound_galleries"
    )
    bound_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "bound galleries"

    def __str__(self) -> str:
        return f"gallery {self.gallery_id} under authority {self.authority_id}"
