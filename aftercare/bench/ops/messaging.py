"""The messaging door's sender: 10,000 queued messages (200 at the tiny scale)
claimed, sent through a provider's HTTP API and recorded (sent, provider id,
the event), against the floor of the same HTTP calls made directly.

The provider is a local fake on 127.0.0.1 (keep-alive HTTP/1.1, JSON, it
answers an id per idempotency key), so the ratio is what the outbox costs on
top of the calls themselves: the claim with its lease, the state and event
rows, recorded per claimed batch (docs/DOMAIN.md §15.1). Each repetition sends a
batch of its own, prepared before timing and due at its own (past) time, so no
repetition sees another's rows or the rest of the data's messages."""

import http.client
import itertools
import json
import os
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aftercare.customers.models import Customer
from aftercare.messaging.models import Message, ProviderAccount
from aftercare.messaging.providers import OutboundMessage, ProviderAdapter, ProviderError, SendResult, register_adapter
from aftercare.messaging.services import messages_send_due

from ..harness import WRITE, Case, Context, operation
from .service import samples

# Far in the past: no message of the data is due at these times.
BASE = datetime(2001, 1, 1, tzinfo=UTC)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the answer's headers and body go out at once, as a real API's do
    seen: dict = {}

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        key = body["key"]
        answer = json.dumps({"code": "OK", "id": _Handler.seen.setdefault(key, f"F-{len(_Handler.seen)}")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def fake_server(ctx: Context) -> int:
    """The fake provider's port (one server per bench run)."""
    if "sms_port" not in ctx.cache:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ctx.cache["sms_port"] = server.server_address[1]
    return ctx.cache["sms_port"]


def _post(connection: http.client.HTTPConnection, to: str, text: str, key: str) -> dict:
    connection.request("POST", "/send", json.dumps({"to": to, "text": text, "key": key}),
                       {"Content-Type": "application/json"})  # fmt: skip
    return json.loads(connection.getresponse().read())


@register_adapter
class BenchHttpAdapter(ProviderAdapter):
    """A provider API over HTTP, as the real adapters call theirs (one kept-alive connection)."""

    channel = ""
    code = "bench_http"

    def __init__(self, config):
        super().__init__(config)
        self.connection = http.client.HTTPConnection("127.0.0.1", int(config["port"]), timeout=10)

    def send(self, message: OutboundMessage) -> SendResult:
        try:
            answer = _post(self.connection, message.to, message.text, message.idempotency_key)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise ProviderError(str(exc)) from exc
        return SendResult(ok=answer.get("code") == "OK", provider_message_id=answer.get("id", ""))


def _size(ctx: Context) -> int:
    # BENCH_MESSAGES overrides (e.g. the full 10,000 on the tiny dataset).
    return int(os.environ.get("BENCH_MESSAGES") or (200 if ctx.scale == "tiny" else 10_000))


@operation("write.messages_send_10k", goal=WRITE, kind="write")
def messages_send(ctx: Context) -> Case:
    """messages_send_due over a batch of queued SMS (claimed 200 at a time, sent through
    the fake provider, each recorded sent with its event) against the same HTTP calls."""
    store = samples(ctx)["store"]
    port = fake_server(ctx)
    ProviderAccount.objects.filter(store=store, provider=BenchHttpAdapter.code).delete()
    ProviderAccount.objects.create(store=store, channel="sms", provider=BenchHttpAdapter.code,
                                   config={"port": str(port)}, priority=0)  # fmt: skip
    customers = list(Customer.objects.filter(store=store).exclude(mobile="").values_list("pk", "mobile")[:500])
    size = _size(ctx)
    batches = ctx.warmup + ctx.repeats + 2  # the timed runs, the answer check and the counted run
    run_tag = uuid.uuid4().hex[:8]
    for batch in range(batches):
        due = BASE + timedelta(hours=batch)
        Message.objects.bulk_create(
            (
                Message(
                    store=store, customer_id=customers[n % len(customers)][0], purpose="service", channel="sms",
                    template_code="car_ready", text=f"您的爱车已完工，可前往{store.name}取车。{n}",
                    to=customers[n % len(customers)][1], state="queued", next_attempt_at=due, created_at=due,
                    dedupe_key=f"bench:{run_tag}:{batch}:{n}",
                )
                for n in range(size)
            ),
            batch_size=1000,
        )  # fmt: skip
    runs = itertools.count()
    floor_rows = [(mobile, f"您的爱车已完工。{n}") for n, (_pk, mobile) in
                  zip(range(size), itertools.cycle(customers), strict=False)]  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def run():
        batch = next(runs)
        return messages_send_due(now=BASE + timedelta(hours=batch, minutes=30), limit=size)

    def by_hand():
        return sum(_post(connection, to, text, str(uuid.uuid4()))["code"] == "OK" for to, text in floor_rows)

    def same() -> bool:
        return run() == size == by_hand()

    return Case(run=run, floor=[by_hand], same_answer=same, repeats=min(ctx.repeats, 3))
