from django.urls import path

from fieldops import live_views, record_views, views
from fieldops.agent import dialogue

app_name = "fieldops"

urlpatterns = [
    path("", views.tech_home, name="tech_home"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("clock-in/", views.clock_in, name="clock_in"),
    path("trucks/", views.truck_search, name="truck_search"),
    path("clock-out/", views.clock_out, name="clock_out"),
    path("break-start/", views.break_start, name="break_start"),
    path("break-end/", views.break_end, name="break_end"),
    path("events/<slug:kind>/", views.event_record, name="event_record"),
    path("messages/<int:pk>/read/", views.message_mark_read, name="message_mark_read"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/travel-start/", views.job_step, {"step": "travel_start"}, name="job_travel_start"),
    path("jobs/<int:pk>/arrive/", views.job_step, {"step": "arrive"}, name="job_arrive"),
    path("jobs/<int:pk>/save-location/", views.job_save_location, name="job_save_location"),
    path("jobs/<int:pk>/work-start/", views.job_step, {"step": "work_start"}, name="job_work_start"),
    path("jobs/<int:pk>/pause/", views.job_step, {"step": "pause"}, name="job_pause"),
    path("jobs/<int:pk>/resume/", views.job_step, {"step": "resume"}, name="job_resume"),
    path("jobs/<int:pk>/complete/", views.job_complete, name="job_complete"),
    path("jobs/<int:pk>/leave/", views.job_step, {"step": "leave"}, name="job_leave"),
    path("jobs/<int:pk>/notes/", views.job_note_add, name="job_note_add"),
    path("jobs/<int:pk>/parts/", views.job_part_use, name="job_part_use"),
    path("jobs/<int:pk>/parts/<int:movement_pk>/undo/", views.job_part_undo, name="job_part_undo"),
    path("live/", live_views.live_poll, name="live"),
    path("push/subscribe/", live_views.push_subscribe, name="push_subscribe"),
    path("incidents/<uuid:pk>/cancel/", live_views.incident_cancel, name="incident_cancel"),
    path("jobs/<int:pk>/photos/", record_views.job_photo_add, name="job_photo_add"),
    path(
        "jobs/<int:pk>/checklist/<int:item_pk>/",
        record_views.job_checklist_answer,
        name="job_checklist_answer",
    ),
    path(
        "jobs/<int:pk>/checklist/answers/<int:answer_pk>/follow-up/",
        record_views.job_checklist_follow_up,
        name="job_checklist_follow_up",
    ),
    path("jobs/<int:pk>/equipment/", record_views.job_equipment_add, name="job_equipment_add"),
    path(
        "jobs/<int:pk>/equipment/<int:equipment_pk>/",
        record_views.job_equipment_update,
        name="job_equipment_update",
    ),
    path(
        "jobs/<int:pk>/equipment/<int:equipment_pk>/reveal/",
        record_views.job_equipment_reveal,
        name="job_equipment_reveal",
    ),
    path("jobs/<int:pk>/sign-off/", record_views.job_sign_off, name="job_sign_off"),
    path("jobs/<int:pk>/report.pdf", record_views.tech_service_report, name="service_report"),
    path("signatures/<uuid:pk>/", record_views.tech_signature_image, name="signature_image"),
    path("photos/<uuid:pk>/", record_views.tech_attachment_file, name="attachment_file"),
    path(
        "photos/<uuid:pk>/thumb/",
        record_views.tech_attachment_file,
        {"variant": "thumb"},
        name="attachment_thumb",
    ),
    path("agent/", dialogue.agent_page, name="agent_page"),
    path("agent/say/", dialogue.agent_say, name="agent_say"),
]
