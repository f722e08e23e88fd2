"""The ``distributors:`` pages of every capability (the plans have their own ``plans:`` URLconf, ``plans/urls.py``)."""

from django.urls import path

from kamcrm.replicas import reads_from_replica

from .cards import views
from .cards.import_views import distributor_export, import_confirm, import_preview, import_upload
from .cards.pdf_views import card_pdf
from .competitors.views import competitor_edit, competitor_list
from .pickups.views import pickup_policy
from .progress.views import progress_detail, progress_table

app_name = "distributors"

urlpatterns = [
    path("", views.distributor_list, name="list"),
    path("new/", views.distributor_edit, name="new"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("progress/", progress_table, name="progress_table"),
    path("<int:pk>/progress/", progress_detail, name="progress"),
    path("<int:pk>/pickup-policy/", pickup_policy, name="pickup_policy"),
    path("owners/", views.owner_options, name="owner_options"),
    path("competitors/", competitor_list, name="competitors"),
    path("competitors/<str:kind>/new/", competitor_edit, name="competitor_new"),
    path("competitors/<str:kind>/<int:pk>/", competitor_edit, name="competitor_edit"),
    path("import/", import_upload, name="import"),
    path("import/preview/", import_preview, name="import_preview"),
    path("import/confirm/", import_confirm, name="import_confirm"),
    path("export.<str:fmt>", reads_from_replica(distributor_export), name="export"),
    path("<int:pk>/", views.distributor_detail, name="detail"),
    path("<int:pk>/card.pdf", card_pdf, name="card_pdf"),
    path("<int:pk>/edit/", views.distributor_edit, name="edit"),
    path("<int:pk>/reassign/", views.distributor_reassign, name="reassign"),
    path("<int:pk>/accept-attractiveness/", views.accept_attractiveness_suggestion, name="accept_attractiveness"),
    path("<int:pk>/credit-terms/", views.distributor_credit_terms, name="credit_terms"),
    path("<int:pk>/contacts/new/", views.contact_edit, name="contact_new"),
    path("<int:pk>/contacts/<int:contact_pk>/", views.contact_edit, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_pk>/delete/", views.contact_delete, name="contact_delete"),
    path("<int:pk>/complaints/new/", views.complaint_edit, name="complaint_new"),
    path("<int:pk>/complaints/<int:complaint_pk>/", views.complaint_edit, name="complaint_edit"),
    path("<int:pk>/suggestions/new/", views.suggestion_edit, name="suggestion_new"),
    path("<int:pk>/suggestions/<int:suggestion_pk>/", views.suggestion_edit, name="suggestion_edit"),
]
