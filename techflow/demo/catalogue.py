"""The demo company's fixed data: trucks, items, technicians, customers, job texts and the story.

Nothing here touches the database; the builder (builder.py) turns it into rows through the
product's own services.
"""

from dataclasses import dataclass
from datetime import time

from dispatch.models import JobType
from inventory.models import STANDARD_QUANTITY_BY_CATEGORY, InventoryItem, Truck

DEFAULT_PASSWORD = "techflow-demo"
TECHFLOW_APPS = ("dispatch", "inventory", "fieldops")
SEED = 20251205
DAYS_BACK = 7
DAYS_AHEAD = 7
ORDERS_PER_TECHNICIAN_PER_DAY = 2
TRAVEL_MINUTES = 30

Category = InventoryItem.Category

OFFICE_TRUCK = (Truck.OFFICE_TRUCK_ID, "Office Truck")
SERVICE_TRUCK_IDS = (201, 202, 203, 204)

# The seed's "standard quantities" on every service truck (cables in feet); the office
# truck carries none.
STANDARD_QUANTITY = STANDARD_QUANTITY_BY_CATEGORY

# (name, category, unit, description)
INVENTORY_ITEMS = (
    ("IP Dome Camera", Category.CAMERAS, "unit", "4 MP vandal-resistant IP dome, PoE, IR to 30 m"),
    ("Bullet Camera", Category.CAMERAS, "unit", "4 MP outdoor IP bullet, PoE, IR to 50 m, IP67"),
    ("Analog Camera", Category.CAMERAS, "unit", "1080p HD-TVI/AHD analog bullet, 12V, BNC out"),
    ("PTZ Camera", Category.CAMERAS, "unit", "2 MP PTZ, 25x optical zoom, PoE+, pendant mount"),
    # The seed lists 16 items but counts 17: this is the one added (see the module docstring).
    (
        "Network Video Recorder (NVR)",
        Category.CAMERAS,
        "unit",
        "16-channel NVR with 16 PoE ports, 4 TB surveillance drive",
    ),
    ("Cat6 Cable", Category.CABLES, "ft", "Cat6 UTP, 23 AWG solid copper, CMR riser rated"),
    ("RG59 Siamese Cable", Category.CABLES, "ft", "RG59 coax with 18/2 power pair, for analog cameras"),
    ("Shielded Cat6 Cable", Category.CABLES, "ft", "Cat6 F/UTP, outdoor direct-burial rated"),
    ("RJ45 Connector", Category.CONNECTORS, "unit", "Cat6 pass-through RJ45 plug"),
    ("BNC Connector", Category.CONNECTORS, "unit", "RG59 compression BNC connector"),
    ("Crimpers", Category.TOOLS, "unit", "RJ45 pass-through crimp tool"),
    ("Cable Tester", Category.TOOLS, "unit", "Network and coax cable tester with remote"),
    ("Fish Tape", Category.TOOLS, "unit", "50 ft steel fish tape"),
    ("Drill Kit", Category.TOOLS, "unit", "Cordless hammer drill with masonry and spade bits"),
    ("12V Power Supply", Category.POWER_SUPPLIES, "unit", "12V DC 2A camera power adapter"),
    ("PoE Injector", Category.POWER_SUPPLIES, "unit", "802.3at PoE+ injector, 30 W"),
    ("PoE Switch", Category.POWER_SUPPLIES, "unit", "8-port PoE+ switch, 120 W budget"),
)


@dataclass(frozen=True)
class DemoTechnician:
    name: str
    phone: str
    username: str
    truck_id: int


TECHNICIANS = (
    DemoTechnician("Mike Johnson", "(212) 555-0141", "mike", 201),
    DemoTechnician("Sarah Williams", "(212) 555-0142", "sarah", 202),
    DemoTechnician("David Chen", "(212) 555-0143", "david", 203),
    DemoTechnician("Alex Rodriguez", "(212) 555-0144", "alex", 204),
)


@dataclass(frozen=True)
class Place:
    address: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    place: Place
    phone: str
    email: str
    window: tuple[time, time]  # preferred_schedule_start, preferred_schedule_end
    areas: tuple[str, ...]  # where on site the cameras are, for job texts
    is_new: bool = False

    def prefers(self, at: time) -> bool:
        return self.window[0] <= at < self.window[1]


CUSTOMERS = (
    DemoCustomer(
        "City Bank",
        Place("120 Broadway, New York, NY 10271", 40.708600, -74.011000),
        "(212) 555-0110",
        "facilities@citybank.example",
        (time(8), time(16)),
        ("lobby", "ATM vestibule", "drive-through lane", "vault corridor"),
    ),
    DemoCustomer(
        "Retail Mall Corp",
        Place("90-15 Queens Boulevard, Elmhurst, NY 11373", 40.734700, -73.869600),
        "(718) 555-0111",
        "security@retailmall.example",
        (time(8), time(11)),  # before the stores open
        ("north parking garage", "food court", "main entrance", "loading dock"),
    ),
    DemoCustomer(
        "School District",
        Place("52 Chambers Street, New York, NY 10007", 40.713500, -74.005400),
        "(212) 555-0112",
        "operations@schooldistrict.example",
        (time(12), time(16)),
        ("bus loop", "gym entrance", "main hallway", "staff parking lot"),
    ),
    DemoCustomer(
        "Local Restaurant",
        Place("318 Court Street, Brooklyn, NY 11231", 40.682900, -73.995700),
        "(718) 555-0113",
        "owner@localrestaurant.example",
        (time(8), time(11)),  # before lunch service
        ("back door", "dining room", "register", "alley"),
    ),
    DemoCustomer(
        "Office Complex",
        Place("1 Harborside Plaza, Jersey City, NJ 07311", 40.719000, -74.034000),
        "(201) 555-0114",
        "building.manager@officecomplex.example",
        (time(8), time(16)),
        ("reception desk", "loading dock", "parking deck", "elevator lobby"),
    ),
    DemoCustomer(
        "Gas Station Chain",
        Place("2150 Hylan Boulevard, Staten Island, NY 10306", 40.578000, -74.102000),
        "(718) 555-0115",
        "maintenance@gasstationchain.example",
        (time(8), time(16)),
        ("pump islands", "store register", "air pump", "back lot"),
    ),
    DemoCustomer(
        "Medical Center",
        Place("1500 Pelham Parkway South, Bronx, NY 10461", 40.857000, -73.846000),
        "(718) 555-0116",
        "security.office@medicalcenter.example",
        (time(9), time(15)),
        ("emergency entrance", "pharmacy", "ambulance bay", "visitor parking"),
    ),
    DemoCustomer(
        "Apartment Complex",
        Place("35-20 Leavitt Street, Flushing, NY 11354", 40.764000, -73.830000),
        "(718) 555-0117",
        "super@apartmentcomplex.example",
        (time(10), time(16)),
        ("mail room", "front gate", "garage", "laundry room"),
        is_new=True,
    ),
)

# Skills, zones and home bases (issue 12). Every demo technician does the skills the job types
# require (the demo books any of them on any type); the specialities tell them apart.
SKILLS = (
    "CCTV installation",
    "NVR setup",
    "PTZ cameras",
    "Access control",
    "Fibre splicing",
    "Network cabling",
)
JOB_TYPE_SKILLS = {
    "installation": ("CCTV installation",),
    "upgrade": ("NVR setup",),
}
TECHNICIAN_SKILLS = {
    "mike": ("CCTV installation", "NVR setup", "PTZ cameras", "Access control"),
    "sarah": ("CCTV installation", "NVR setup", "Fibre splicing", "Network cabling"),
    "david": ("CCTV installation", "NVR setup", "PTZ cameras", "Network cabling"),
    "alex": ("CCTV installation", "NVR setup", "Access control"),
}
ZONES = ("Manhattan", "Brooklyn", "Queens", "Bronx", "Staten Island", "New Jersey")
# Home base: zone, latitude, longitude.
TECHNICIAN_HOMES = {
    "mike": ("Manhattan", 40.776000, -73.982000),
    "sarah": ("Brooklyn", 40.678000, -73.944000),
    "david": ("Queens", 40.744000, -73.953000),
    "alex": ("Bronx", 40.845000, -73.865000),
}
# The customer's zone, by a word of their address; a new customer has no position yet (the
# technician's first arrival offers to save it).
ADDRESS_ZONES = (
    ("Brooklyn", "Brooklyn"),
    ("Elmhurst", "Queens"),
    ("Flushing", "Queens"),
    ("Bronx", "Bronx"),
    ("Staten Island", "Staten Island"),
    ("NJ", "New Jersey"),
    ("New York, NY", "Manhattan"),
)

DEPOT = Place("TechFlow depot, 47-20 Vernon Boulevard, Long Island City, NY 11101", 40.744000, -73.953000)

# Shifts (seed: 7 AM - 4 PM weekdays, 7 AM - 1 PM weekends) and the job slots inside them.
# Weekend jobs start at 8:00 and 10:30 so that both fit the shorter shift.
WEEKDAY_SHIFT = (time(7), time(16))
WEEKEND_SHIFT = (time(7), time(13))
WEEKDAY_FIRST_SLOTS = (time(8), time(8, 30), time(9))
WEEKDAY_SECOND_SLOTS = (time(12, 30), time(13))
WEEKEND_SLOTS = (time(8), time(10, 30))
WEEKEND_MAX_MINUTES = 90

JOB_MINUTES = {JobType.INSTALLATION: 150, JobType.UPGRADE: 120, JobType.MAINTENANCE: 75, JobType.REPAIR: 90}
JOB_WEIGHTS = {JobType.INSTALLATION: 20, JobType.UPGRADE: 20, JobType.MAINTENANCE: 35, JobType.REPAIR: 25}

# (title, brief_description, full_summary); {area} is a place on the customer's site.
JOB_TEXTS = {
    JobType.INSTALLATION: (
        (
            "Install IP dome cameras: {area}",
            "Mount and cable {n} IP dome cameras covering the {area}, run Cat6 back to the NVR "
            "and add them to the recording schedule.",
            "Installed {n} IP dome cameras covering the {area}. Ran Cat6 to the PoE switch, added "
            "the cameras to the NVR, set motion zones and walked the customer through playback.",
        ),
        (
            "Install PTZ camera: {area}",
            "Mount a PTZ camera on a pole bracket to cover the {area}; run shielded Cat6 and "
            "program patrol presets.",
            "Mounted the PTZ camera over the {area}, ran shielded Cat6 with a drip loop, programmed "
            "four presets and a patrol tour, and checked the feed on the NVR.",
        ),
        (
            "New camera system: {area}",
            "Install {n} bullet cameras and a new NVR for the {area}; the customer wants 30 days "
            "of retention.",
            "Installed {n} bullet cameras and the NVR for the {area}, sized storage for 30 days of "
            "retention and set up remote viewing on the manager's phone.",
        ),
    ),
    JobType.UPGRADE: (
        (
            "Replace analog cameras with IP: {area}",
            "Swap the analog cameras at the {area} for IP bullets; reuse the RG59 runs with baluns "
            "where they test good, otherwise pull new Cat6.",
            "Replaced the analog cameras at the {area} with IP bullets. Two runs pulled new in Cat6, "
            "the rest reuse RG59 with baluns. Old DVR removed and handed to the customer.",
        ),
        (
            "NVR upgrade: {area}",
            "Replace the recorder serving the {area} with a 16-channel NVR and migrate the camera "
            "channels and schedules.",
            "Installed the new NVR, migrated every channel and schedule, and exported the last 7 days "
            "from the old recorder for the customer.",
        ),
        (
            "PoE switch upgrade: {area}",
            "Replace the PoE injectors at the {area} with a managed PoE switch and label the ports.",
            "Replaced the injectors with a managed PoE switch, labelled every port and confirmed all "
            "cameras at the {area} came back online.",
        ),
    ),
    JobType.MAINTENANCE: (
        (
            "Quarterly maintenance: {area}",
            "Clean lenses and housings, check focus and night vision, verify recording and "
            "retention for the {area}.",
            "Cleaned lenses and housings at the {area}, refocused two cameras, confirmed night "
            "vision and retention. No faults found.",
        ),
        (
            "Firmware and health check: {area}",
            "Update camera and NVR firmware, check drive health and time sync for the {area}.",
            "Updated firmware on the cameras and the NVR; drives healthy; NTP time sync corrected "
            "by 4 minutes.",
        ),
        (
            "Annual inspection: {area}",
            "Inspect mounts, cabling and weatherproofing at the {area}; test the power supplies under load.",
            "Inspected mounts and cabling at the {area}, resealed one junction box, tested the 12V "
            "supplies under load: all within spec.",
        ),
    ),
    JobType.REPAIR: (
        (
            "Camera offline: {area}",
            "The camera covering the {area} shows no video on the NVR since yesterday; check power "
            "and cabling.",
            "Found a failed PoE port feeding the camera at the {area}; moved it to a spare port and "
            "tested the cable end to end. Camera back online.",
        ),
        (
            "Washed-out night video: {area}",
            "Night footage from the {area} is washed out; check the IR illuminator and the lens.",
            "The IR illuminator on the camera at the {area} had failed; replaced the camera under "
            "warranty and tilted it to avoid glare from the lights.",
        ),
        (
            "Recording gaps: {area}",
            "The customer reports gaps in recorded footage from the {area}; check the NVR schedule "
            "and drives.",
            "The motion schedule had been set to weekdays only; set continuous recording for the "
            "{area} and confirmed no drive errors.",
        ),
        (
            "Fogged camera after storm: {area}",
            "The camera at the {area} fogged up after the storm; check the housing seal and the connector.",
            "Replaced the fogged camera at the {area}, added a weatherproof boot on the RJ45 and "
            "resealed the junction box.",
        ),
    ),
}

# Past jobs that did not end in "completed", by (day offset, technician index, slot).
CANCELLED = {(-6, 2, 1), (-3, 0, 0)}
NO_ACCESS = {(-1, 3, 1)}
# Notes the technician flagged for the office (alert_office=True), by the same key.
ALERT_NOTES = {
    (-1, 3, 1): "No one on site to open the server room; waited 20 minutes and left a card. "
    "Please call the customer to reschedule.",
    (-2, 1, 0): "NVR drive 2 reports SMART errors. The recorder still records to drive 1; please order "
    "a replacement 4 TB surveillance drive.",
    (-4, 0, 1): "Customer wants a quote for two more PTZ cameras covering the rear lot. Ask for the "
    "facilities manager.",
    (-6, 3, 0): "The mounting point over the entrance is 22 ft up and our ladder does not reach. Next "
    "visit needs a lift.",
}
NOTES = (
    "Cleaned all dome covers; camera 4 had spider webs triggering motion alerts.",
    "Re-terminated the RJ45 on the parking-lot camera; link is stable at 100 Mbps now.",
    "Customer asked for 24/7 recording on the entrance cameras. Done.",
    "Lowered the IR on the back-door camera; it was washing out the loading area at night.",
    "Replaced a corroded BNC connector on the analog camera by the dumpsters.",
    "Camera and NVR time now synced to NTP; it was 4 minutes off.",
    "Left two spare RJ45 boots with the facilities manager.",
    "Tested the UPS under the NVR: battery test passed.",
)
NORMAL_NOTE_COUNT = 8

# The story of today (day offset 0), by (technician index, slot): what the pages exist for.
# Sarah's afternoon drive is held up by an accident: she tells the office and arrives late.
LATE_ARRIVAL = (1, 1)
LATE_ARRIVAL_MINUTES = 25
TRAFFIC_MESSAGE = "Stuck behind an accident on the BQE, about 20 minutes late to my next job."
# David cannot finish his afternoon job: he pauses, tells the office and leaves it unfinished.
UNFINISHED = (2, 1)
UNFINISHED_AFTER_MINUTES = 55
UNFINISHED_NOTE = (
    "Could not finish: the customer's IT contact has to open the server room and left at noon. "
    "The existing cameras are still recording. Please book a return visit."
)
# How long past its planned length a job may run before the demo would be telling a lie.
OVERRUN_MINUTES = 30
# Office staff move stock from truck 201 to 203 the afternoon before today: Mike's truck
# starts today below its minimum of RJ45 connectors, so restocking has work at any hour.
SHORT_ITEM = "RJ45 Connector"
SHORT_LEFT = 15
INSPECTION_NOTE = "Pre-trip check: tyres, lights, ladder rack and stock OK."

# Weekends: the seed books 2 jobs per technician per day, every day, so the whole team works
# the seed's short weekend shift (7:00-13:00), and says so.
WEEKEND_ROTA = "all four technicians, 7:00-13:00 (two jobs each: 8:00 and 10:30)"


PARTS_USED = {
    "Install IP dome cameras": (("IP Dome Camera", 2, 4), ("Cat6 Cable", 120, 300), ("RJ45 Connector", 4, 8)),
    "Install PTZ camera": (
        ("PTZ Camera", 1, 1),
        ("Shielded Cat6 Cable", 80, 200),
        ("RJ45 Connector", 2, 2),
        ("PoE Injector", 1, 1),
    ),
    "New camera system": (
        ("Bullet Camera", 2, 4),
        ("Network Video Recorder (NVR)", 1, 1),
        ("Cat6 Cable", 150, 300),
        ("RJ45 Connector", 4, 8),
    ),
    "Replace analog cameras with IP": (
        ("Bullet Camera", 2, 3),
        ("Cat6 Cable", 60, 150),
        ("RJ45 Connector", 4, 6),
        ("BNC Connector", 2, 4),
    ),
    "NVR upgrade": (("Network Video Recorder (NVR)", 1, 1),),
    "PoE switch upgrade": (("PoE Switch", 1, 1), ("RJ45 Connector", 4, 8)),
    "Quarterly maintenance": (("RJ45 Connector", 0, 2),),
    "Annual inspection": (("12V Power Supply", 0, 1),),
    "Camera offline": (("RJ45 Connector", 2, 2), ("Cat6 Cable", 0, 50)),
    "Washed-out night video": (("IP Dome Camera", 1, 1),),
    "Fogged camera after storm": (("Bullet Camera", 1, 1), ("RJ45 Connector", 1, 2)),
}
MORNING_RESTOCK = time(6, 45)

# The office's checklists (fieldops): job type -> (name, yes/no items, all required). The demo's
# technicians answer every item before they complete a job of that type.
CHECKLISTS = {
    "installation": (
        "Camera install QA",
        (
            "Mounting secure and weather-sealed",
            "Cabling tested end to end",
            "NVR recording every camera",
            "Remote view working on the customer's phone",
            "Customer shown the app",
        ),
    ),
    "maintenance": (
        "Maintenance visit",
        (
            "Lenses and housings cleaned",
            "Every camera view checked on the NVR",
            "NVR disk health and retention checked",
            "Firmware up to date",
            "Customer told what was found",
        ),
    ),
}
