"""The office's live view of the field, under /office/field/."""

from django.urls import path

from fieldops import incident_views, office_views

app_name = "field"

urlpatterns = [
    path("", office_views.field_overview, name="field_overview"),
    path("timesheets/", office_views.timesheets, name="timesheets"),
    path("timesheets.csv", office_views.timesheets_csv, name="timesheets_csv"),
    path("work-orders/<int:pk>/summary/", office_views.work_order_summary, name="work_order_summary"),
    path("transcripts/", office_views.voice_transcripts, name="voice_transcripts"),
    path("incidents/banner/", incident_views.incident_banner, name="incident_banner"),
    path(
        "incidents/<uuid:pk>/acknowledge/", incident_views.incident_acknowledge, name="incident_acknowledge"
    ),
    path("incidents/<uuid:pk>/resolve/", incident_views.incident_resolve, name="incident_resolve"),
]
