from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [
    path("", views.review_list, name="review-list"),
    path("<int:pk>/", views.review_detail, name="review-detail"),
    path("<int:pk>/approve/", views.review_approve, name="review-approve"),
    path("<int:pk>/return/", views.review_return, name="review-return"),
    path("<int:pk>/review.pdf", views.review_pdf, name="review-pdf"),
    path("publications/", views.publications, name="publications"),
    path("publications/<int:pk>/announce/", views.announce, name="announce"),
    path("publications/<int:pk>/publish/", views.publish, name="publish"),
]
