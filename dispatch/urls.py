from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("", views.office_home, name="office_home"),
    path("work-orders/", views.work_order_list, name="work_order_list"),
    path(
        "work-orders/technicians/", views.work_order_technician_options, name="work_order_technician_options"
    ),
    path("work-orders/export.csv", views.work_order_export, name="work_order_export"),
    path("work-orders/new/", views.work_order_create, name="work_order_create"),
    path("work-orders/new/customers/", views.work_order_customer_options, name="work_order_customer_options"),
    path("work-orders/new/availability/", views.work_order_availability, name="work_order_availability"),
    path("work-orders/<int:pk>/", views.work_order_detail, name="work_order_detail"),
    path("work-orders/<int:pk>/edit/", views.work_order_edit, name="work_order_edit"),
    path("work-orders/<int:pk>/schedule/", views.work_order_schedule, name="work_order_schedule"),
    path("work-orders/<int:pk>/status/", views.work_order_status, name="work_order_status"),
    path("work-orders/<int:pk>/suggestions/", views.work_order_suggestions, name="work_order_suggestions"),
    path("work-orders/<int:pk>/notes/", views.work_order_note, name="work_order_note"),
    path("work-orders/<int:pk>/visits/", views.work_order_visit_add, name="work_order_visit_add"),
    path(
        "work-orders/<int:pk>/visits/<uuid:visit_pk>/remove/",
        views.work_order_visit_remove,
        name="work_order_visit_remove",
    ),
    path("work-orders/<int:pk>/helpers/", views.work_order_helper_add, name="work_order_helper_add"),
    path(
        "work-orders/<int:pk>/helpers/<int:helper_pk>/remove/",
        views.work_order_helper_remove,
        name="work_order_helper_remove",
    ),
    path("work-orders/<int:pk>/reopen/", views.work_order_reopen, name="work_order_reopen"),
    path("board/", views.board, name="board"),
    path("board/move/", views.board_move, name="board_move"),
    path("board/resize/", views.board_resize, name="board_resize"),
    path("board/fix/", views.board_fix, name="board_fix"),
    path("board/fix/apply/", views.board_fix_apply, name="board_fix_apply"),
    path("board/plan/", views.board_plan, name="board_plan"),
    path("board/plan/apply/", views.board_plan_apply, name="board_plan_apply"),
    path("board/plan/<uuid:pk>/", views.board_plan_status, name="board_plan_status"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/geocode/", views.customer_geocode, name="customer_geocode"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/notes/", views.customer_note_add, name="customer_note_add"),
    path("calls/", views.call_list, name="call_list"),
    path("calls/export.csv", views.call_export, name="call_export"),
    path("calls/log/", views.call_create, name="call_create"),
    path("calls/missed/", views.call_queue, name="call_queue"),
    path("calls/<uuid:pk>/called-back/", views.call_called_back, name="call_called_back"),
    path("messages/", views.message_list, name="message_list"),
    path("messages/templates/", views.message_templates, name="message_templates"),
    path("messages/<uuid:pk>/retry/", views.message_retry, name="message_retry"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/badge/", views.notification_badge, name="notification_badge"),
    path("notifications/read-all/", views.notifications_mark_all_read, name="notifications_mark_all_read"),
    path("notifications/send/", views.notification_send, name="notification_send"),
    path("notifications/<int:pk>/read/", views.notification_set_read, name="notification_set_read"),
]
