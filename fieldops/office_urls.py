"""The office's live view of the field, under /office/field/."""

from django.urls import path

from fieldops import office_views

app_name = "field"

urlpatterns = [
    path("", office_views.field_overview, name="field_overview"),
    path("timesheets/", office_views.timesheets, name="timesheets"),
    path("timesheets.csv", office_views.timesheets_csv, name="timesheets_csv"),
    path("work-orders/<int:pk>/summary/", office_views.work_order_summary, name="work_order_summary"),
    path("reports/", office_views.report_page, name="report_page"),
    path("reports.csv", office_views.report_csv, name="report_csv"),
    path("events/", office_views.event_list, name="event_list"),
    path("events/<uuid:pk>/resolve/", office_views.event_resolve, name="event_resolve"),
    path("transcripts/", office_views.voice_transcripts, name="voice_transcripts"),
]
