"""The load test: the app served by waitress (as in production, DEBUG=0) on
127.0.0.1, driven by N concurrent advisors for S seconds.

Each advisor is a thread with its own keep-alive connection and cookies: it
logs in through the login form (CSRF token and all), then loops without think
time over a mixed workload (search as the top bar does it, the customer page,
the vehicle page, the customer list, the API search, the repair-order page,
the management board (as its htmx refresh requests it) and the repair-order
list) and writes: advisors open repair orders and add lines to them, the
cashier (and the manager) take the payment that settles a ready order. Writes
go through the API with a token, as a desk client or a tablet would, with an
Idempotency-Key on payments. Closed loop, no think time: the result is the
capacity of the machine, not a typical day.

An error is a connection failure, any 4xx/5xx, or "database is locked"
anywhere in a response or in the server's log. Only 127.0.0.1 is contacted.
"""

import http.client
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

from .datasets import BASE_DIR, Target

ADVISORS = ("advisor", "advisor-2", "advisor-3", "vic", "care", "manager", "foreman", "cashier")
# (operation, weight). Later issues add their operations here and in `_request`.
WORKLOAD = (
    ("search", 45),
    ("customer", 20),
    ("vehicle", 15),
    ("customer_list", 10),
    ("api_search", 10),
    ("repair_order", 20),
    ("board", 10),
    ("repair_order_list", 5),
    ("open_ro", 4),
    ("add_line", 8),
    ("settle", 4),
)
# Who may do which write; anybody else does a search instead.
WRITERS = {"open_ro": {"advisor", "advisor-2", "advisor-3", "manager"}, "settle": {"cashier", "manager"}}
WRITERS["add_line"] = WRITERS["open_ro"]
# Orders made READY (8 lines each) in the working copy before the server starts, for `settle`:
# more than 8 users settle in a few minutes, few enough not to swell the board.
READY_ORDERS = 80
# Customer care has no repair-order permission: it opens the customer page instead.
WITHOUT_REPAIR_ORDERS = {"care"}
REPAIR_ORDER_OPS = {"repair_order", "board", "repair_order_list"}
TOKEN_PATH = "/api/v1/auth/token/"
SETUP_OPS = {"login_form", "login", "api_token"}
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _samples(target: Target, rng: random.Random) -> dict:
    """Ids and search inputs read from the working copy before the server starts."""
    queries = {
        "customers": "SELECT id, name, mobile, name_initials FROM customers_customer "
        "WHERE merged_into_id IS NULL ORDER BY id",
        "vehicles": "SELECT id, plate, vin FROM customers_vehicle WHERE is_active ORDER BY id",
        "repair_orders": "SELECT id FROM service_repairorder ORDER BY id",
        "ready": "SELECT id, customer_total FROM service_repairorder WHERE status = 'ready' ORDER BY id",
        "operations": "SELECT DISTINCT operation_id FROM service_repairorderline WHERE operation_id IS NOT NULL",
        "parts": "SELECT DISTINCT part_id FROM service_repairorderline WHERE part_id IS NOT NULL",
    }
    if target.vendor == "sqlite":
        db = sqlite3.connect(target.var_dir / "aftercare.sqlite3")
        rows = {name: db.execute(sql).fetchall() for name, sql in queries.items()}
        db.close()
    else:
        import psycopg

        with psycopg.connect(target.database_url) as db:
            rows = {name: db.execute(sql).fetchall() for name, sql in queries.items()}
    customers = rng.sample(rows["customers"], k=min(500, len(rows["customers"])))
    vehicles = rng.sample(rows["vehicles"], k=min(500, len(rows["vehicles"])))
    terms = []
    for (_cid, name, mobile, initials), (_vid, plate, vin) in zip(customers, vehicles, strict=False):
        terms += [plate[2:6], mobile[-4:], vin[-6:], name, name[0], initials]
    orders = rng.sample(rows["repair_orders"], k=min(500, len(rows["repair_orders"])))
    # Vehicles to receive (one open order each) and ready orders to settle are
    # shared by all advisors: each is taken once (list.pop is atomic).
    receive = [v[0] for v in rng.sample(rows["vehicles"], k=min(2000, len(rows["vehicles"])))]
    return {
        "customers": [c[0] for c in customers], "vehicles": [v[0] for v in vehicles], "terms": terms,
        "repair_orders": [o[0] for o in orders], "receive": receive,
        "ready": [(pk, str(total)) for pk, total in reversed(rows["ready"])],
        "items": [{"operation": o[0]} for o in rows["operations"][:50]] + [{"part": p[0]} for p in rows["parts"][:50]],
    }  # fmt: skip


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    lock = threading.Lock()

    def record(self, op: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(op, []).append(ms)
            if error:
                self.errors[error] = self.errors.get(error, 0) + 1


class Advisor(threading.Thread):
    def __init__(self, login, port, samples, deadline, stats, seed, password):
        super().__init__(daemon=True)
        self.login, self.port, self.samples, self.deadline = login, port, samples, deadline
        self.stats, self.rng, self.password = stats, random.Random(seed), password
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.my_orders: list[int] = []  # opened by this advisor, still taking lines
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def _send(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        # Token calls carry no session cookie: DRF would then demand a CSRF token.
        if self.cookies and "Authorization" not in headers and path != TOKEN_PATH:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()  # the server closed a kept-alive connection: reconnect once
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def _timed(self, op, method, path, body=None, headers=None, expect=(200,)):
        started = time.perf_counter()
        error = None
        try:
            status, data = self._send(method, path, body, headers)
            if status not in expect:
                error = f"HTTP {status} on {op}"
            elif b"database is locked" in data:
                error = "database is locked"
        except (OSError, http.client.HTTPException) as exc:
            status, data, error = 0, b"", f"{type(exc).__name__} on {op}"
        self.stats.record(op, (time.perf_counter() - started) * 1000, error)
        return status, data

    def run(self):
        _status, page = self._timed("login_form", "GET", "/login/")
        token = _CSRF.search(page.decode("utf-8", "replace"))
        body = urlencode(
            {"username": self.login, "password": self.password, "csrfmiddlewaretoken": token.group(1) if token else ""}
        )
        self._timed(
            "login", "POST", "/login/", body, {"Content-Type": "application/x-www-form-urlencoded"}, expect=(302,)
        )
        if any(self.login in logins for logins in WRITERS.values()):
            body = json.dumps({"username": self.login, "password": self.password})
            _status, data = self._timed("api_token", "POST", TOKEN_PATH, body, {"Content-Type": "application/json"})
            self.token = json.loads(data or b"{}").get("token", "")
        ops, weights = zip(*WORKLOAD, strict=True)
        while time.monotonic() < self.deadline:
            self._request(self.rng.choices(ops, weights)[0])
        self.conn.close()

    def _api(self, op, path, payload, expect=(201,), headers=None):
        headers = {"Content-Type": "application/json", "Authorization": f"Token {self.token}", **(headers or {})}
        return self._timed(op, "POST", path, json.dumps(payload), headers, expect=expect)

    def _write(self, op: str) -> bool:
        """One write, or False when there is nothing to write (the caller reads instead)."""
        s, rng = self.samples, self.rng
        if not self.token or self.login not in WRITERS[op]:
            return False
        if op == "open_ro" or (op == "add_line" and not self.my_orders):
            if not s["receive"]:
                return False
            status, data = self._api("open_ro", "/api/v1/repair-orders/", {"vehicle": s["receive"].pop()})
            if status == 201:
                self.my_orders = [json.loads(data)["id"], *self.my_orders][:3]
            return True
        if op == "add_line":
            item = rng.choice(s["items"])
            self._api(op, f"/api/v1/repair-orders/{rng.choice(self.my_orders)}/lines/", item)
            return True
        if not s["ready"]:
            return False
        pk, total = s["ready"].pop()
        payment = {"method": "wechat", "amount": total}
        self._api(op, f"/api/v1/repair-orders/{pk}/payments/", payment, headers={"Idempotency-Key": str(uuid.uuid4())})
        return True

    def _request(self, op: str) -> None:
        s, rng = self.samples, self.rng
        if op in WRITERS:
            if self._write(op):
                return
            op = "search"
        if op in REPAIR_ORDER_OPS and (self.login in WITHOUT_REPAIR_ORDERS or not s["repair_orders"]):
            op = "customer"
        if op == "search":
            query = urlencode({"q": rng.choice(s["terms"])})
            self._timed(op, "GET", f"/search/?{query}", headers={"HX-Request": "true"})
        elif op == "api_search":
            self._timed(op, "GET", f"/api/v1/search/?{urlencode({'q': rng.choice(s['terms'])})}")
        elif op == "customer":
            self._timed(op, "GET", f"/customers/{rng.choice(s['customers'])}/")
        elif op == "vehicle":
            self._timed(op, "GET", f"/vehicles/{rng.choice(s['vehicles'])}/")
        elif op == "customer_list":
            self._timed(op, "GET", "/customers/")
        elif op == "repair_order":
            self._timed(op, "GET", f"/repair-orders/{rng.choice(s['repair_orders'])}/")
        elif op == "board":
            self._timed(op, "GET", "/workshop/board/", headers={"HX-Request": "true"})
        elif op == "repair_order_list":
            self._timed(op, "GET", "/repair-orders/")


def _wait_for(port: int, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited; see var/bench/load-server.log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not listen on 127.0.0.1:{port}")


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _summary(values: list[float]) -> dict:
    return {
        "requests": len(values),
        "p50_ms": round(statistics.median(values), 1),
        "p95_ms": round(_percentile(values, 95), 1),
        "p99_ms": round(_percentile(values, 99), 1),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_load_test(target: Target, *, users: int = 8, seconds: int = 60, port: int = 0, threads: int = 8) -> dict:
    port = port or _free_port()  # never talk to someone else's server on a fixed port
    env = {
        **os.environ, **target.environ(), "DJANGO_SETTINGS_MODULE": "aftercare.settings", "DEBUG": "0",
        "DEMO_MODE": "0", "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    python = sys.executable
    collectstatic = [python, "manage.py", "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(collectstatic, cwd=BASE_DIR, env=env, check=True)  # noqa: S603 (our own interpreter)
    ready = [python, "-m", "aftercare.bench", "orders", "--status", "ready", "--count", str(READY_ORDERS)]
    subprocess.run(ready, cwd=BASE_DIR, env=env, check=True)  # noqa: S603 (our own interpreter)
    samples = _samples(target, random.Random(6))
    log_path = BASE_DIR / "var" / "bench" / "load-server.log"
    with open(log_path, "w") as log:
        waitress = [python, "-m", "waitress", f"--listen=127.0.0.1:{port}", f"--threads={threads}"]
        server = subprocess.Popen(  # noqa: S603 (our own interpreter, fixed arguments)
            [*waitress, "aftercare.wsgi:application"], cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_for(port, server)
            stats = Stats()
            password = os.environ.get("DEMO_PASSWORD") or "AfterCare2026"
            started = time.monotonic()
            deadline = started + seconds
            advisors = [
                Advisor(ADVISORS[i % len(ADVISORS)], port, samples, deadline, stats, seed=i, password=password)
                for i in range(users)
            ]
            for advisor in advisors:
                advisor.start()
            for advisor in advisors:
                advisor.join(seconds + 120)
            elapsed = time.monotonic() - started
        finally:
            server.terminate()  # our own child, by its pid
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    server_log = log_path.read_text(errors="replace")
    locked_in_log = server_log.count("database is locked")
    if locked_in_log:
        stats.errors["database is locked (server log)"] = locked_in_log
    # Logging in (argon2 on purpose slow) happens once per advisor: listed, not in the totals.
    everything = [ms for op, values in stats.latencies.items() if op not in SETUP_OPS for ms in values]
    report = {
        "database": target.vendor,
        "server": f"waitress, {threads} threads, DEBUG=0",
        "users": users,
        "seconds": round(elapsed, 1),
        "requests_per_second": round(len(everything) / elapsed, 1),
        **_summary(everything),
        "errors": sum(stats.errors.values()),
        "error_kinds": stats.errors,
        "per_operation": {op: _summary(values) for op, values in sorted(stats.latencies.items())},
    }
    _print(report)
    shutil.rmtree(target.var_dir / "media", ignore_errors=True)
    return report


def _print(report: dict) -> None:
    print(
        f"Load test: {report['users']} advisors, {report['seconds']} s, {report['server']}, {report['database']}\n"
        f"{report['requests']} requests, {report['requests_per_second']} req/s, p50 {report['p50_ms']} ms, "
        f"p95 {report['p95_ms']} ms, p99 {report['p99_ms']} ms, errors {report['errors']} {report['error_kinds']}"
    )
    print(f"{'operation':<16} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for op, s in report["per_operation"].items():
        print(f"{op:<16} {s['requests']:>8} {s['p50_ms']:>8} {s['p95_ms']:>8} {s['p99_ms']:>8}")
