"""The office's pages about the field: the live view under /office/field/, and the technicians."""

from django.urls import path

from fieldops import incident_views, office_views, record_views, technician_views

app_name = "field"

urlpatterns = [
    path("field/", office_views.field_overview, name="field_overview"),
    path("field/map/", office_views.dispatch_map, name="dispatch_map"),
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
    path("field/photos/<uuid:pk>/", record_views.office_attachment_file, name="attachment_file"),
    path(
        "field/photos/<uuid:pk>/thumb/",
        record_views.office_attachment_file,
        {"variant": "thumb"},
        name="attachment_thumb",
    ),
    path("field/checklists/", record_views.checklist_list, name="checklist_list"),
    path("field/checklists/<int:pk>/", record_views.checklist_detail, name="checklist_detail"),
    path(
        "field/checklists/<int:pk>/items/<int:item_pk>/remove/",
        record_views.checklist_item_remove,
        name="checklist_item_remove",
    ),
    path("field/equipment/", record_views.equipment_search, name="equipment_search"),
    path("field/equipment/<int:pk>/reveal/", record_views.office_equipment_reveal, name="equipment_reveal"),
    path("field/signatures/<uuid:pk>/", record_views.office_signature_image, name="signature_image"),
    path("field/work-orders/<int:pk>/report.pdf", record_views.office_service_report, name="service_report"),
]
