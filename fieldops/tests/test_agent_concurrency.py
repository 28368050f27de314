"""Two phones talking to the agent at the same moment, on PostgreSQL."""

import pytest

from dispatch.tests.factories import TechnicianFactory
from fieldops import services
from fieldops.agent.dialogue import respond
from fieldops.models import VoiceAgentSession
from fieldops.tests.agent_helpers import make_day
from fieldops.tests.test_concurrency import _race
from inventory.models import StockMovement, TruckInventory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_yes_sent_twice_at_once_uses_the_parts_once():
    day = make_day(TechnicianFactory())
    tech = day.technician
    services.clock_in(technician=tech, truck=day.truck)
    services.job_travel_start(technician=tech, work_order=day.first)
    services.job_arrive(technician=tech, work_order=day.first)
    services.job_work_start(technician=tech, work_order=day.first)
    respond(technician=tech, text="used two rj45 ends")
    turns = _race(lambda: respond(technician=tech, text="yes"), lambda: respond(technician=tech, text="yes"))
    assert sorted(t.reply.split(".")[0] for t in turns) == [
        "There is nothing waiting for a yes",
        f"Used 2 × RJ45 Connector on job {day.first.pk}",
    ]
    assert TruckInventory.objects.get(truck=day.truck, item=day.rj45).quantity == 98
    assert StockMovement.objects.filter(item=day.rj45).count() == 1


def test_two_first_words_at_once_open_one_session():
    tech = TechnicianFactory()
    _race(lambda: respond(technician=tech, text="help"), lambda: respond(technician=tech, text="help"))
    assert VoiceAgentSession.objects.filter(technician=tech).count() == 1
    assert VoiceAgentSession.objects.get().interactions.count() == 4
