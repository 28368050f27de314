"""The demo company: the seed's demo data, replayed through the product's own services.

The seed (seeds/01-database-setup-and-schema.md, "Demo Data") fixes the counts: 5 trucks
(office truck 1, service trucks 201-204), 4 technicians, 17 inventory items, 8 customers,
120 work orders (2 per technician per day from 7 days ago to 7 days ahead), shifts of
7-16 on weekdays and 7-13 at weekends. Because the seed books 2 jobs per technician on
every day, the weekend rota is the whole team: all four technicians work Saturday and
Sunday, on the short 7-13 shift (setup_demo says so).

The builder (builder.py) plans the fortnight from seeded random generators and replays it
step by step through the services the app calls, with dispatch.clock frozen at each step's
moment, running only the steps that have happened by the moment of loading: before 7:00
nobody is clocked in; by 13:30 the morning jobs are done and the afternoon ones under way;
in the evening everyone has clocked out, every job is completed except the story's one left
unfinished with a note. The same day and time always give the same data.

- catalogue.py: the fixed data (trucks, items, technicians, customers, job texts, the story).
- builder.py: load_demo, the plan, users, trucks, customers and work orders.
- field.py: shifts and visits (fieldops.services).
- stock.py: stock and its ledger (inventory.services).
- communications.py: calls, messages, office messages, events, the voice session.

The seed's inventory list names 16 items under a total of 17; the 17th added here is the
"Network Video Recorder (NVR)" in Cameras: every camera system records to one, and an
installer carries spares for new installations and swaps.
"""

from techflow.demo.builder import (
    DemoSummary,
    demo_counts,
    demo_is_loaded,
    demo_logins,
    demo_usernames,
    existing_demo_usernames,
    load_demo,
    techflow_has_data,
    techflow_models,
    wipe_techflow_data,
)
from techflow.demo.catalogue import *  # noqa: F403 - the fixed data is part of the public names
from techflow.demo.catalogue import CUSTOMERS, DEFAULT_PASSWORD, TECHNICIANS, WEEKEND_ROTA

__all__ = [
    "CUSTOMERS",
    "DEFAULT_PASSWORD",
    "TECHNICIANS",
    "WEEKEND_ROTA",
    "DemoSummary",
    "demo_counts",
    "demo_is_loaded",
    "demo_logins",
    "demo_usernames",
    "existing_demo_usernames",
    "load_demo",
    "techflow_has_data",
    "techflow_models",
    "wipe_techflow_data",
]
