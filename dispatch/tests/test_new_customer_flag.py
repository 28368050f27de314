"""A customer stops being "new" when one of its jobs is completed, and its history says so."""

import pytest

from dispatch.models import ActorType, CustomerHistory, WorkOrderStatus
from dispatch.services import Actor, work_order_change_status
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db


def _order(customer, status=WorkOrderStatus.IN_PROGRESS):
    return WorkOrderFactory(customer=customer, assigned_technician=TechnicianFactory(), status=status)


def test_completing_a_new_customers_job_clears_its_new_flag_in_its_history():
    customer = CustomerFactory(is_new_customer=True)
    order = _order(customer)
    actor = Actor(ActorType.TECHNICIAN, order.assigned_technician_id)
    work_order_change_status(work_order=order, status=WorkOrderStatus.COMPLETED, actor=actor)
    customer.refresh_from_db()
    assert customer.is_new_customer is False
    line = CustomerHistory.objects.get(customer=customer)
    assert "new customer" in line.notes.lower()
    assert (line.created_by_type, line.created_by_id) == (ActorType.TECHNICIAN, order.assigned_technician_id)


def test_a_status_change_short_of_completed_leaves_the_customer_new():
    customer = CustomerFactory(is_new_customer=True)
    order = _order(customer, status=WorkOrderStatus.SCHEDULED)
    work_order_change_status(work_order=order, status=WorkOrderStatus.IN_PROGRESS, actor=Actor.system())
    customer.refresh_from_db()
    assert customer.is_new_customer is True
    assert not CustomerHistory.objects.filter(customer=customer).exists()


def test_completing_a_known_customers_job_writes_no_customer_history():
    customer = CustomerFactory(is_new_customer=False)
    work_order_change_status(
        work_order=_order(customer), status=WorkOrderStatus.COMPLETED, actor=Actor.system()
    )
    assert not CustomerHistory.objects.filter(customer=customer).exists()
