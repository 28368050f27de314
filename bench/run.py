"""Benchmark every page at scale: gunicorn as in production, a load driver, one table per run.

    .venv/bin/python bench/run.py                 # reuse (or build) the scale database, run
    .venv/bin/python bench/run.py --build         # rebuild it first (generate_scale_data --reset)

See bench/README.md. Only 127.0.0.1 is ever contacted; every page has a request and time
budget and a per-request timeout, so one slow page cannot take the whole run.
"""

import argparse
import datetime as dt
import gzip
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
HOST = "127.0.0.1"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/techflow_bench"
PASSWORD = "techflow-demo"
LOG_FORMAT = "%({x-bench-id}i)s %(s)s %(D)s %(B)s"
# The demo's size (techflow/demo: 4 technicians, 8 customers, a week back and a week ahead), as
# generate_scale_data's --technicians, --customers and --days, for --demo-size.
DEMO_SIZE = (4, 8, 7)


@dataclass(frozen=True)
class Page:
    name: str
    who: str  # office, admin or technician
    path: str
    htmx: bool = False


def pages(ids: dict) -> list[Page]:
    return [
        Page("office Today", "office", "/office/"),
        Page("office Today, unchanged poll", "office", f"/office/?since={ids['fingerprint']}", htmx=True),
        Page("board, day", "office", "/office/board/?view=day"),
        Page("board, week", "office", "/office/board/?view=week"),
        Page("work-order list", "office", "/office/work-orders/"),
        Page("work-order detail", "office", f"/office/work-orders/{ids['work_order']}/"),
        Page("customers", "office", "/office/customers/"),
        Page("technicians", "office", "/office/technicians/"),
        Page("field view", "office", "/office/field/"),
        Page("timesheets", "office", "/office/field/timesheets/"),
        Page("notifications", "office", "/office/notifications/"),
        Page("stock matrix", "office", "/office/inventory/"),
        Page("replenishment", "office", f"/office/inventory/trucks/{ids['truck']}/replenishment/"),
        Page("usage", "office", "/office/inventory/usage/"),
        Page("reports, last week", "office", "/office/field/reports/"),
        Page(
            "reports, 92 days",
            "office",
            f"/office/field/reports/?start={ids['quarter_start']}&end={ids['today']}",
        ),
        Page(
            "reports CSV, 92 days",
            "office",
            f"/office/field/reports.csv?start={ids['quarter_start']}&end={ids['today']}",
        ),
        Page("calls", "office", "/office/calls/"),
        Page("missed calls", "office", "/office/calls/missed/"),
        Page("events", "office", "/office/field/events/"),
        Page("customer messages", "office", "/office/messages/"),
        Page("admin work-order changelist", "admin", "/admin/dispatch/workorder/"),
        Page("phone My day", "technician", "/tech/"),
        Page("phone job page", "technician", f"/tech/jobs/{ids['job']}/"),
        Page("phone agent page", "technician", "/tech/agent/"),
    ]


# ---------------------------------------------------------------------------------------
# The Django side, run in a separate process: ids, the poll's fingerprint and query counts
# ---------------------------------------------------------------------------------------


def inspect_database(timeout_ms: int) -> dict:
    """Runs inside Django: the ids the pages need, then each page once under CaptureQueriesContext."""
    import django

    django.setup()
    from django.db import connection
    from django.db.utils import OperationalError
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dispatch import clock, selectors
    from dispatch.models import Technician, WorkOrder, WorkOrderStatus
    from inventory.models import Truck

    mike = Technician.objects.get(user__username="mike")
    job = WorkOrder.objects.today().for_technician(mike).order_by("scheduled_for").first()
    detail = WorkOrder.objects.filter(status=WorkOrderStatus.COMPLETED, assigned_technician=mike).order_by(
        "-scheduled_for"
    )[:1]
    try:
        fingerprint = selectors.office_fingerprint()
    except OperationalError:
        fingerprint = "unavailable"
    ids = {
        "job": job.pk if job else 0,
        "work_order": detail[0].pk if detail else (job.pk if job else 0),
        "truck": Truck.objects.service().order_by("pk").values_list("pk", flat=True).first(),
        "fingerprint": fingerprint,
        "technician_username": "mike",
        "today": clock.localdate().isoformat(),
        "quarter_start": (clock.localdate() - dt.timedelta(days=91)).isoformat(),
    }
    users = {"office": "office", "admin": "admin", "technician": "mike"}
    from django.contrib.auth import get_user_model

    clients = {}
    for who, username in users.items():
        client = Client(HTTP_HOST=HOST, HTTP_X_FORWARDED_PROTO="https")
        client.force_login(get_user_model().objects.get(username=username))
        clients[who] = client
    queries = {}
    for page in pages(ids):
        headers = {"HX-Request": "true"} if page.htmx else {}
        try:
            with CaptureQueriesContext(connection) as captured:
                response = clients[page.who].get(page.path, headers=headers, secure=True)
            queries[page.name] = len(captured) if response.status_code < 500 else f"{response.status_code}"
        except OperationalError as error:
            queries[page.name] = "timeout" if "statement timeout" in str(error) else "error"
            connection.close()
    return {"ids": ids, "queries": queries}


# ---------------------------------------------------------------------------------------
# The driver: threads and http.client against gunicorn on 127.0.0.1
# ---------------------------------------------------------------------------------------


class Session:
    """A logged-in browser: its cookies, and the headers a TLS proxy would add."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, body=None, headers=None, timeout: float = 30.0):
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        all_headers = {
            "Host": f"{HOST}:{self.port}",
            "X-Forwarded-Proto": "https",
            "Accept-Encoding": "identity",
            **(headers or {}),
        }
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, data, dict(response.getheaders())
        finally:
            conn.close()

    def login(self, username: str, password: str) -> None:
        _, page, _ = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if token is None:
            raise SystemExit("bench: no CSRF token on /login/")
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token.group(1).decode()}
        )
        origin = f"https://{HOST}:{self.port}"
        status, _, headers = self.request(
            "POST",
            "/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": f"{origin}/login/",
            },
        )
        # The session cookie is __Host-sessionid behind TLS (techflow/settings.py), sessionid otherwise.
        if status != 302 or not any(name.endswith("sessionid") for name in self.cookies):
            raise SystemExit(f"bench: logging in as {username} failed (HTTP {status})")


@dataclass
class Result:
    name: str
    ids: list[str] = field(default_factory=list)  # request ids, matched to the access log
    statuses: list[int] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)
    timeouts: int = 0
    size: int = 0
    gzip_size: int = 0
    seconds: float = 0.0
    server_ms: list[float] = field(default_factory=list)
    note: str = ""


class Driver:
    def __init__(self, port: int, sessions: dict[str, Session], args) -> None:
        self.port, self.sessions, self.args = port, sessions, args
        self.counter = 0
        self.lock = threading.Lock()
        self.health = Result("/healthz")
        self.anonymous = Session(port)

    def _next_id(self) -> str:
        with self.lock:
            self.counter += 1
            return f"b{self.counter}"

    def _one(self, session: Session, path: str, result: Result, headers: dict) -> bool:
        request_id = self._next_id()
        started = time.perf_counter()
        try:
            status, data, _ = session.request(
                "GET", path, headers={**headers, "X-Bench-Id": request_id}, timeout=self.args.timeout
            )
        except TimeoutError:
            with self.lock:
                result.timeouts += 1
            return False
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            result.ids.append(request_id)
            result.statuses.append(status)
            result.client_ms.append(elapsed)
            if not result.size:
                result.size, result.gzip_size = len(data), len(gzip.compress(data, 6))
        return True

    def run_page(self, page: Page) -> Result:
        result = Result(page.name)
        session = self.sessions[page.who]
        headers = {"HX-Request": "true"} if page.htmx else {}
        deadline = time.monotonic() + self.args.seconds
        budget = iter(range(self.args.requests))
        stop = threading.Event()

        def worker() -> None:
            while not stop.is_set() and time.monotonic() < deadline:
                with self.lock:
                    if next(budget, None) is None:
                        return
                if not self._one(session, page.path, result, headers):
                    stop.set()  # a timeout ends this page: don't let it take the run
                    return
                self._one(self.anonymous, "/healthz", self.health, {})

        started = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(self.args.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result.seconds = time.monotonic() - started
        return result


def read_access_log(path: Path) -> dict[str, float]:
    """Server time per request id, in ms, from gunicorn's %(D)s (microseconds)."""
    times = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0].startswith("b"):
            times[parts[0]] = int(parts[2]) / 1000
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


# ---------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------


def django_env(database_url: str, static_root: str, timeout_ms: int) -> dict[str, str]:
    separator = "&" if "?" in database_url else "?"
    statement_timeout = urllib.parse.quote(f"-c statement_timeout={timeout_ms}")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "techflow.settings",
        "DATABASE_URL": f"{database_url}{separator}options={statement_timeout}",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
        "ALLOWED_HOSTS": f"{HOST},testserver",
        "SECURE_SSL_REDIRECT": "false",
        "BEHIND_TLS_PROXY": "true",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
        # The second factor is asked once, at sign-in (techflow/two_factor.py), and the driver signs
        # in with a password only: without this the admin session stopped at the code page and the
        # "changelist" row measured a 302. Page times after sign-in are the same either way.
        "TECHFLOW_2FA_REQUIRED": "none",
        "PYTHONPATH": str(ROOT),
    }


def prepare_database(args) -> None:
    import psycopg2

    url = urllib.parse.urlparse(args.database_url)
    name = url.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"bench: unexpected database name {name!r}")
    admin = psycopg2.connect(host=url.hostname, port=url.port or 5432, user=url.username, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
        if not exists:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    env = {**os.environ, "DATABASE_URL": args.database_url, "DEBUG": "true", "PYTHONPATH": str(ROOT)}
    subprocess.run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    check = subprocess.run(
        [
            PYTHON,
            "-c",
            "import django; django.setup(); from techflow import scale; print(scale.database_has_data())",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "techflow.settings"},
        check=True,
        capture_output=True,
        text=True,
    )
    if args.build or check.stdout.strip() != "True":
        command = [PYTHON, "manage.py", "generate_scale_data", "--reset"]
        command += ["--technicians", str(args.technicians), "--customers", str(args.customers)]
        command += ["--days", str(args.days)]
        print(f"bench: generating the scale data into {name} ...", file=sys.stderr)
        subprocess.run(command, cwd=ROOT, env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
    parser.add_argument(
        "--build", action="store_true", help="Regenerate the data even if the database has some."
    )
    parser.add_argument("--technicians", type=int, default=500)
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=40, help="Most requests per page.")
    parser.add_argument("--seconds", type=float, default=20, help="Most seconds per page.")
    parser.add_argument("--timeout", type=float, default=30, help="Per-request timeout (s).")
    parser.add_argument("--concurrency", type=int, default=2, help="Client threads (gunicorn has 2 workers).")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="Measure only the pages whose name contains this (repeatable).",
    )
    parser.add_argument("--inspect", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--demo-size",
        action="store_true",
        help="Also measure every page at the demo's size (in <database>_demo) and show each page's "
        "p95 against its p95 there.",
    )
    args = parser.parse_args()

    if args.inspect:  # the child process: print ids and query counts as JSON
        print(json.dumps(inspect_database(int(args.timeout * 1000))))
        return

    if not args.database_url.startswith("postgres"):
        raise SystemExit("bench: the benchmark runs on PostgreSQL (set BENCH_DATABASE_URL).")
    demo = None
    if args.demo_size:
        # The same pages on a database of the demo's size (its 4 technicians, 8 customers and a
        # week back), measured first, so that each page's p95 can be set against its own.
        demo_args = argparse.Namespace(**vars(args))
        url = urllib.parse.urlparse(args.database_url)
        demo_args.database_url = url._replace(path=url.path.rstrip("/") + "_demo").geturl()
        demo_args.technicians, demo_args.customers, demo_args.days = DEMO_SIZE
        print("bench: measuring at the demo's size first ...", file=sys.stderr)
        demo = measure(demo_args)
    results, health, queries = measure(args)
    print_table(results, health, queries, args, demo=demo)


def measure(args) -> tuple[list["Result"], "Result", dict]:
    """Every page against the database of `args`: (results, /healthz, query counts)."""
    timeout_ms = int(args.timeout * 1000)
    prepare_database(args)
    static_root = tempfile.mkdtemp(prefix="techflow-bench-static-")
    log_dir = Path(tempfile.mkdtemp(prefix="techflow-bench-log-"))
    env = django_env(args.database_url, static_root, timeout_ms)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=env, check=True)
    print(
        "bench: counting each page's queries (one request each, in a separate process) ...", file=sys.stderr
    )
    inspected = subprocess.run(
        [PYTHON, __file__, "--inspect", "--timeout", str(args.timeout)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if inspected.returncode:
        sys.stderr.write(inspected.stderr[-5000:])
        raise SystemExit("bench: counting the queries failed (its error is above)")
    found = json.loads(inspected.stdout.strip().splitlines()[-1])
    ids, queries = found["ids"], found["queries"]

    access_log = log_dir / "access.log"
    server = subprocess.Popen(
        [
            GUNICORN,
            "techflow.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"{HOST}:{args.port}",
            "--timeout",
            str(int(args.timeout) + 15),
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            LOG_FORMAT,
        ],
        cwd=ROOT,
        env=env,
        stderr=open(log_dir / "gunicorn.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    try:
        results, health = run(args, ids, queries, server, access_log)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(static_root, ignore_errors=True)
    return results, health, queries


def run(args, ids: dict, queries: dict, server: subprocess.Popen, access_log: Path) -> tuple[list, "Result"]:
    for _ in range(100):
        try:
            if Session(args.port).request("GET", "/healthz", timeout=2)[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        raise SystemExit("bench: gunicorn did not answer /healthz")
    sessions = {who: Session(args.port) for who in ("office", "admin", "technician")}
    sessions["office"].login("office", PASSWORD)
    sessions["admin"].login("admin", PASSWORD)
    sessions["technician"].login(ids["technician_username"], PASSWORD)
    driver = Driver(args.port, sessions, args)
    for _ in range(5):  # warm both workers' connections and template caches
        driver._one(driver.anonymous, "/healthz", Result("warm"), {})
    results = []
    for page in pages(ids):
        if args.only and not any(part in page.name for part in args.only):
            continue
        if page.htmx and ids["fingerprint"] == "unavailable":
            # The poll compares the page's fingerprint; computing it timed out, so the poll would too.
            results.append(Result(page.name, note=f"not run: its digest took over {args.timeout:.0f} s"))
            continue
        print(f"bench: {page.name} ...", file=sys.stderr)
        result = driver.run_page(page)
        results.append(result)
        if result.timeouts:
            # The abandoned request still holds a worker until its statement timeout ends it:
            # wait for both workers before the next page is measured.
            time.sleep(5)
            for _ in range(4):
                driver._one(driver.anonymous, "/healthz", Result("drain"), {})
    time.sleep(1)  # gunicorn writes the access log after the response
    server_times = read_access_log(access_log)
    for result in [*results, driver.health]:
        result.server_ms = [server_times[i] for i in result.ids if i in server_times]
    return results, driver.health


def _p95s(results: list[Result]) -> dict[str, float]:
    return {
        r.name: percentile(r.server_ms, 0.95)
        for r in results
        if r.server_ms and set(r.statuses) <= {200, 204}  # a redirect or an error is no page time
    }


def print_table(results: list[Result], health: Result, queries: dict, args, demo=None) -> None:
    health_p50 = percentile(health.server_ms, 0.5) if health.server_ms else float("nan")
    header = ("page", "queries", "n", "status", "p50 ms", "p95 ms", "req/s", "x healthz", "KB", "gzip KB")
    demo_p95 = _p95s(demo[0]) if demo else {}
    if demo:
        header += ("demo p95", "x demo")
    rows = [header]
    p50_of = {}
    for r in [*results, health]:
        if r.server_ms and set(r.statuses) <= {200, 204}:  # a redirect or an error is no page time
            p50, p95 = percentile(r.server_ms, 0.5), percentile(r.server_ms, 0.95)
            p50_of[r.name] = p50
            rate = len(r.server_ms) / r.seconds if r.seconds else 0
            ratio = f"{p50 / health_p50:.0f}x" if r is not health else "1x"
            timing = (f"{p50:.0f}", f"{p95:.0f}", f"{rate:.1f}" if r is not health else "-", ratio)
        else:
            p95, timing = None, ("-", "-", "-", "-")
        against = ()
        if demo:
            base = demo_p95.get(r.name)
            against = (
                f"{base:.0f}" if base else "-",
                f"{p95 / base:.1f}x" if base and p95 is not None else "-",
            )
        statuses = r.note or ",".join(sorted({str(s) for s in r.statuses})) or "-"
        if r.timeouts:
            statuses += f" +{r.timeouts} timeout (>{args.timeout:.0f} s)"
        rows.append(
            (
                r.name,
                str(queries.get(r.name, "-")),
                str(len(r.statuses)),
                statuses,
                *timing,
                f"{r.size / 1024:.0f}" if r.size else "-",
                f"{r.gzip_size / 1024:.0f}" if r.gzip_size else "-",
                *against,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    print("| " + " | ".join(cell.ljust(w) for cell, w in zip(rows[0], widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows[1:]:
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
    ours, admin = p50_of.get("work-order list"), p50_of.get("admin work-order changelist")
    if ours and admin:
        print(f"\nwork-order list / admin changelist (p50): {ours / admin:.2f}x")
    print(
        f"\nserver time from gunicorn's access log (%(D)s); {args.concurrency} client threads, "
        "2 sync workers; "
        f"each page at most {args.requests} requests or {args.seconds:.0f} s, /healthz after every request; "
        f"median /healthz {health_p50:.1f} ms."
    )
    if demo:
        print(
            "demo p95: the same page's p95 on a database of the demo's size "
            f"({DEMO_SIZE[0]} technicians, {DEMO_SIZE[1]} customers, {DEMO_SIZE[2]} days), measured "
            "just before on this machine; x demo: this run's p95 against it (the target is at most 1.5x)."
        )


if __name__ == "__main__":
    main()
