"""A long fuzz run: requests generated from docs/schema.graphql against a served gateway.

    .venv/bin/python -m bench.fuzz [--requests 20000] [--show 2]

Runs `lianjian serve --dev` on the embedded store (SQLite, demo data) on a free 127.0.0.1 port and sends it
generated requests (tests/gateway/graphql_fuzz.py, the generator of tests/gateway/test_fuzz_schema.py) as a
street officer (sqs-li) and a civil-affairs officer (ca-zhang). Prints what came back; exits 1 when any
answer was a 5xx, an INTERNAL or UNAVAILABLE error or an error without a known code, listing the first few such
requests of each operation and kind of problem (operation and variables) to stderr. Never part of the tests.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auth.dev import DevTokenIssuer  # noqa: E402
from bench.gateway import start_server  # noqa: E402
from gateway.demo import load_demo  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.storage import open_application  # noqa: E402
from projections.views.catalog import all_views  # noqa: E402
from projections.runtime.worker import ProjectionWorker  # noqa: E402
from tests.gateway.graphql_fuzz import FIELDS, Request, demo_values, problems, requests  # noqa: E402

USERS = ("sqs-li", "ca-zhang")


class Tally:
    def __init__(self) -> None:
        self.by_user: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.sent: Counter[str] = Counter()  # by "kind field"
        self.errors: Counter[str] = Counter()  # answers with errors, by "kind field"
        self.codes: Counter[str] = Counter()  # errors' codes, over all answers
        self.server_errors = self.internal = self.unavailable = self.uncoded = 0
        self.offending: list[tuple[Request, list[str]]] = []

    def add(self, request: Request, status: int, body: object) -> None:
        where = f"{request.kind} {request.field}"
        self.by_user[request.user or "public"] += 1
        self.statuses[status] += 1
        self.sent[where] += 1
        errors = (body.get("errors") or []) if isinstance(body, dict) else []
        if errors or status >= 400:
            self.errors[where] += 1
        for error in errors:
            self.codes[str((error.get("extensions") or {}).get("code"))] += 1
        found = problems(status, body)
        self.server_errors += status >= 500
        self.internal += sum(p.startswith("INTERNAL") for p in found)
        self.unavailable += sum(p.startswith("UNAVAILABLE") for p in found)
        self.uncoded += sum(p.startswith("error without") for p in found)
        if found:
            self.offending.append((request, found))

    def print(self, seconds: float) -> None:
        total = sum(self.statuses.values())
        print(f"{total} requests in {seconds:.0f} s ({total / seconds:.0f}/s)")
        print("by token:     " + ", ".join(f"{user} {n}" for user, n in self.by_user.most_common()))
        print("HTTP status:  " + ", ".join(f"{status} {n}" for status, n in sorted(self.statuses.items())))
        print("error codes:  " + ", ".join(f"{code} {n}" for code, n in self.codes.most_common()))
        print(f"5xx: {self.server_errors}   INTERNAL: {self.internal}   UNAVAILABLE (the store is up): {self.unavailable}"
              f"   errors without a known code: {self.uncoded}")
        offending = Counter(f"{r.kind} {r.field}" for r, _ in self.offending)
        print(f"\n{'operation':<42}{'sent':>7}{'errors':>8}{'bad':>6}")
        for where, n in sorted(self.sent.items()):
            print(f"{where:<42}{n:>7}{self.errors[where]:>8}{offending[where] or '':>6}")


def send(port: int, request: Request, issue) -> tuple[int, object]:  # noqa: ANN001 - DevTokenIssuer.issue
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request("POST", "/graphql", json.dumps(request.body()),
                           {"Content-Type": "application/json", **request.headers(issue)})
        response = connection.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw[:200].decode(errors="replace")
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--show", type=int, default=2,
                        help="Offending requests listed on stderr, of each operation and kind of problem.")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="lianjian-fuzz-"))
    app = open_application(Settings(data_dir=folder, dev_mode=True))
    load_demo(app)
    ProjectionWorker(app, all_views(), with_rules=True).run_until_idle()  # alerts raised, views ready
    ids, words = demo_values(app)
    app.close()
    issuer = DevTokenIssuer(folder)
    tokens = {user: issuer.issue(user) for user in USERS}  # one token each, as a client keeps it

    tally = Tally()
    server, url = start_server({"LIANJIAN_DATA_DIR": str(folder), "LIANJIAN_DEV_MODE": "true"})
    port = int(url.rsplit(":", 1)[1])
    started = time.monotonic()
    try:
        # The same share of requests for each root field and user (hypothesis favours the first of a choice).
        shares = [(root_field, user) for root_field in FIELDS for user in USERS]
        for i, (root_field, user) in enumerate(shares):
            @settings(max_examples=args.requests // len(shares) + (i < args.requests % len(shares)),
                      phases=[Phase.generate], database=None, deadline=None, suppress_health_check=list(HealthCheck))
            @given(request=requests(ids, words, fields=[root_field], users=[user]))
            def fuzz(request: Request) -> None:
                tally.add(request, *send(port, request, tokens.__getitem__))

            fuzz()
    finally:
        server.terminate()
        server.wait(timeout=20)
    tally.print(time.monotonic() - started)
    classes: dict[tuple[str, str], int] = {}  # how many listed of each operation and kind of problem
    for request, found in tally.offending:
        where = (request.field, found[0].split(":")[0])
        classes[where] = classes.get(where, 0) + 1
        if classes[where] > args.show:
            continue
        print(f"\n{'; '.join(found)}\n  as {request.user}: {request.document[:2000]}\n  variables: "
              f"{json.dumps(request.variables, ensure_ascii=False)[:2000]}", file=sys.stderr)
    if tally.offending:
        sys.exit(1)


if __name__ == "__main__":
    main()
