"""Office pages under /office/: thin views over dispatch's services and selectors."""

from dispatch.views.board import board, board_move, board_resize
from dispatch.views.calls import call_called_back, call_create, call_export, call_list, call_queue
from dispatch.views.customers import (
    customer_create,
    customer_detail,
    customer_edit,
    customer_geocode,
    customer_list,
    customer_note_add,
)
from dispatch.views.fixday import board_fix, board_fix_apply
from dispatch.views.messages import message_list, message_retry, message_templates
from dispatch.views.notifications import (
    notification_badge,
    notification_list,
    notification_send,
    notification_set_read,
    notifications_mark_all_read,
)
from dispatch.views.suggestions import board_plan, board_plan_apply, board_plan_status, work_order_suggestions
from dispatch.views.today import office_home
from dispatch.views.work_orders import (
    work_order_availability,
    work_order_create,
    work_order_customer_options,
    work_order_detail,
    work_order_edit,
    work_order_export,
    work_order_helper_add,
    work_order_helper_remove,
    work_order_list,
    work_order_note,
    work_order_reopen,
    work_order_schedule,
    work_order_status,
    work_order_technician_options,
    work_order_visit_add,
    work_order_visit_remove,
)

__all__ = [
    "work_order_helper_add",
    "work_order_helper_remove",
    "work_order_visit_add",
    "work_order_visit_remove",
    "board",
    "board_move",
    "board_resize",
    "board_fix",
    "board_fix_apply",
    "board_plan",
    "board_plan_apply",
    "board_plan_status",
    "call_called_back",
    "call_create",
    "call_export",
    "call_list",
    "call_queue",
    "customer_create",
    "customer_detail",
    "customer_edit",
    "customer_geocode",
    "customer_list",
    "customer_note_add",
    "message_list",
    "message_retry",
    "message_templates",
    "notification_badge",
    "notification_list",
    "notification_send",
    "notification_set_read",
    "notifications_mark_all_read",
    "office_home",
    "work_order_availability",
    "work_order_create",
    "work_order_customer_options",
    "work_order_detail",
    "work_order_edit",
    "work_order_export",
    "work_order_list",
    "work_order_note",
    "work_order_reopen",
    "work_order_schedule",
    "work_order_status",
    "work_order_technician_options",
    "work_order_suggestions",
]
