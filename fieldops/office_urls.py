"""The office's pages about the field: the live view under /office/field/, and the technicians."""

from django.urls import path

from fieldops import incident_views, office_views, technician_views

app_name = "field"

urlpatterns = [
    path("field/", office_views.field_overview, name="field_overview"),
    path("field/timesheets/", office_views.timesheets, name="timesheets"),
    path("field/timesheets.csv", office_views.timesheets_csv, name="timesheets_csv"),
    path("field/work-orders/<int:pk>/summary/", office_views.work_order_summary, name="work_order_summary"),
    path("field/transcripts/", office_views.voice_transcripts, name="voice_transcripts"),
    path("technicians/", technician_views.technician_list, name="technician_list"),
    path("technicians/<int:pk>/", technician_views.technician_detail, name="technician_detail"),
    path("technicians/<int:pk>/edit/", technician_views.technician_edit, name="technician_edit"),
    path("field/reports/", office_views.report_page, name="report_page"),
    path("field/reports.csv", office_views.report_csv, name="report_csv"),
    path("field/events/", office_views.event_list, name="event_list"),
    path("field/events/<uuid:pk>/resolve/", office_views.event_resolve, name="event_resolve"),
    path("field/incidents/banner/", incident_views.incident_banner, name="incident_banner"),
    path(
        "field/incidents/<uuid:pk>/acknowledge/",
        incident_views.incident_acknowledge,
        name="incident_acknowledge",
    ),
    path("field/incidents/<uuid:pk>/resolve/", incident_views.incident_resolve, name="incident_resolve"),
]
