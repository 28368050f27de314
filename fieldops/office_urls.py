"""The office's live view of the field, under /office/field/."""

from django.urls import path

from fieldops import office_views, record_views

app_name = "field"

urlpatterns = [
    path("", office_views.field_overview, name="field_overview"),
    path("timesheets/", office_views.timesheets, name="timesheets"),
    path("timesheets.csv", office_views.timesheets_csv, name="timesheets_csv"),
    path("work-orders/<int:pk>/summary/", office_views.work_order_summary, name="work_order_summary"),
    path("photos/<uuid:pk>/", record_views.office_attachment_file, name="attachment_file"),
    path(
        "photos/<uuid:pk>/thumb/",
        record_views.office_attachment_file,
        {"variant": "thumb"},
        name="attachment_thumb",
    ),
    path("checklists/", record_views.checklist_list, name="checklist_list"),
    path("checklists/<int:pk>/", record_views.checklist_detail, name="checklist_detail"),
    path(
        "checklists/<int:pk>/items/<int:item_pk>/remove/",
        record_views.checklist_item_remove,
        name="checklist_item_remove",
    ),
    path("equipment/", record_views.equipment_search, name="equipment_search"),
    path("equipment/<int:pk>/reveal/", record_views.office_equipment_reveal, name="equipment_reveal"),
    path("signatures/<uuid:pk>/", record_views.office_signature_image, name="signature_image"),
    path("work-orders/<int:pk>/report.pdf", record_views.office_service_report, name="service_report"),
    path("transcripts/", office_views.voice_transcripts, name="voice_transcripts"),
]
