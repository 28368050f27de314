"""The office reaches a technician's voice-agent transcripts from the work order and the technician."""

import pytest

from dispatch.tests.factories import WorkOrderFactory

pytestmark = pytest.mark.django_db


def test_the_work_order_page_links_to_its_voice_transcript(office_client):
    order = WorkOrderFactory()
    page = office_client.get(f"/office/work-orders/{order.pk}/").content.decode()
    assert f"/office/field/transcripts/?work_order={order.pk}" in page


def test_the_technician_page_links_to_their_voice_transcripts(office_client):
    technician = WorkOrderFactory().assigned_technician
    page = office_client.get(f"/office/technicians/{technician.pk}/").content.decode()
    assert f"/office/field/transcripts/?technician={technician.pk}" in page
