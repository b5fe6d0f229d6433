from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reviews"
    verbose_name = "Reviews and transparency"

    def ready(self) -> None:
        from authority.closing import register_closing_blocker
        from deployments.ended import register_deployment_ended
        from deployments.links import register_deployment_links
        from oversight.documents import register_document_source
        from reviews.inspection import PUBLICATION_PDF_SOURCE, PUBLICATION_SOURCE, REVIEW_SOURCE
        from reviews.selectors import review_link
        from reviews.services.reviewing import open_review, unapproved_reviews_blocker

        # A deployment that ends opens its review; an authority closes only once they are
        # approved; approved reviews' PDFs, published records and their public PDFs go into
        # the inspection export; the deployment's page links to its review.
        register_deployment_ended("reviews.open_review", open_review)
        register_deployment_links("reviews.review", review_link)
        register_closing_blocker("reviews.approved", unapproved_reviews_blocker)
        register_document_source(REVIEW_SOURCE)
        register_document_source(PUBLICATION_SOURCE)
        register_document_source(PUBLICATION_PDF_SOURCE)
