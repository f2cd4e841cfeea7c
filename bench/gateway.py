"""Benchmark: GraphQL over HTTP beside the same work in process, and latency under 32 concurrent clients.

    .venv/bin/python bench/gateway.py [--requests 400] [--clients 32]

Runs `lianjian serve --dev` on the embedded store (SQLite, demo data) in a separate process, on a free
127.0.0.1 port, and drives it with httpx. Baselines are measured in the same run:
- mutations: the same command through the domain service in this process (no GraphQL, no HTTP);
- queries: the same GraphQL operation executed in this process by the same schema (no HTTP).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stats import percentile  # noqa: E402
from auth.dev import DevTokenIssuer  # noqa: E402
from domain.context import Actor, Context  # noqa: E402
from gateway.demo import load_demo  # noqa: E402
from gateway.graphql.context import RequestContext  # noqa: E402
from gateway.graphql.schema import build_schema  # noqa: E402
from gateway.identity import build_verifier  # noqa: E402
from gateway.runtime import Runtime  # noqa: E402
from gateway.settings import Settings  # noqa: E402
from gateway.storage import open_application  # noqa: E402
from infra.postgres.private import free_port  # noqa: E402
from projections.views.catalog import all_views  # noqa: E402
from projections.runtime.worker import ProjectionWorker  # noqa: E402

ORG_QUERY = "query($id: ID!) { organization(id: $id) { name status credit { onAbnormalList } legalRepresentative { name } } }"
COUNT = """mutation($id: ID!, $n: Int!) { countPartyMembers(command: {reason: "基准测试", occurredOn: "2026-11-20"},
  organizationId: $id, members: $n) { eventIds } }"""


def count_body(org_id: str, members: int) -> str:
    """The request body of one countPartyMembers command: the benchmark's command, every way it is sent."""
    return json.dumps({"query": COUNT, "variables": {"id": org_id, "n": members}})


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def in_process_mutations(app, org_ids: list[str], n: int) -> float:
    actor = Actor("party-1", "party-liu", "party_building", "officer")
    started = time.perf_counter()
    for i in range(n):
        app.count_party_members(Context(actor, "基准测试", date(2026, 11, 20)), org_ids[i % len(org_ids)], members=i % 9)
    return rate(n, time.perf_counter() - started)


def in_process_queries(settings: Settings, app, token: str, org_ids: list[str], n: int) -> float:
    from starlette.requests import Request

    runtime = Runtime(settings=settings, app=app, verifier=build_verifier(settings), dev_mode=True)
    schema = build_schema(production=False)
    scope = {"type": "http", "method": "POST", "path": "/graphql",
             "headers": [(b"authorization", f"Bearer {token}".encode())]}
    started = time.perf_counter()
    for i in range(n):
        context = RequestContext(runtime)
        context.request = Request(scope)
        result = schema.execute_sync(ORG_QUERY, variable_values={"id": org_ids[i % len(org_ids)]},
                                     context_value=context)
        assert not result.errors, result.errors
    return rate(n, time.perf_counter() - started)


def http_sequential(url: str, token: str, query: str, variables: list[dict], n: int) -> float:
    """One keep-alive connection with the standard library's client, the lightest Python client there is."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    started = time.perf_counter()
    for i in range(n):
        connection.request("POST", "/graphql", json.dumps({"query": query, "variables": variables[i % len(variables)]}),
                           headers)
        body = json.loads(connection.getresponse().read())
        assert not body.get("errors"), body
    connection.close()
    return rate(n, time.perf_counter() - started)


def asgi_commands(settings: Settings, token: str, org_ids: list[str], n: int) -> float:
    """countPartyMembers POSTed to the served application called in this process as an ASGI app: no
    socket, no HTTP server, no client. What Starlette, Strawberry and the resolver's checks add to the
    domain service, and so the most any HTTP client could get from one server process.
    Every organization is warmed first, as the HTTP rows do."""
    from gateway.app import create_app

    api = create_app(settings)
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
               (b"authorization", b"Bearer " + token.encode())]

    async def post(i: int) -> None:
        body = count_body(org_ids[i % len(org_ids)], i % 9 + 1).encode()
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "root_path": "",
                 "query_string": b"", "headers": [*headers, (b"content-length", str(len(body)).encode())],
                 "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "state": {}}
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        sent: list[dict] = []

        async def receive() -> dict:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict) -> None:
            sent.append(message)

        await api(scope, receive, send)
        assert sent[0]["status"] == 200 and b'"errors"' not in sent[1]["body"], sent

    async def run() -> float:
        async with api.router.lifespan_context(api):
            for i in range(len(org_ids)):
                await post(i)
            started = time.perf_counter()
            for i in range(n):
                await post(i)
            return rate(n, time.perf_counter() - started)

    return asyncio.run(run())


def http_floor(url: str, n: int) -> float:
    """GET /healthz: what HTTP itself costs here, client and server, with no GraphQL and no store."""
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    started = time.perf_counter()
    for _ in range(n):
        connection.request("GET", "/healthz")
        connection.getresponse().read()
    connection.close()
    return rate(n, time.perf_counter() - started)


@dataclass
class ClientRun:
    """What a set of concurrent clients did: each request's latency, the wall time, the errors by code."""

    latencies: list[float]
    seconds: float
    errors: Counter
    dues: list[float] = field(default_factory=list)  # when each request was due, beside its latency
    sent: list[tuple[int, int]] = field(default_factory=list)  # (client, i) of each request, beside its latency

    @property
    def rate(self) -> float:
        return rate(len(self.latencies), self.seconds)

    def halves_p50(self) -> tuple[float, float]:
        """The median latency of the requests due in the first half of the run, and of those due in the
        second: a queue that only grows (more sent than answered) shows as a second half far slower."""
        by_due = [latency for _, latency in sorted(zip(self.dues, self.latencies, strict=True))]
        middle = len(by_due) // 2
        return percentile(by_due[:middle], 0.5), percentile(by_due[middle:], 0.5)


def thread_clients(url: str, token: str, clients: int, per_client: int, body: Callable[[int, int], str],
                   rate: float | None = None, seed: int = 17) -> ClientRun:
    """``clients`` threads, each on its own keep-alive connection (the standard library's client: far lighter
    here than an async one), each POSTing ``body(client, i)`` to /graphql ``per_client`` times, every request
    measured. A GET /healthz first opens each connection, unmeasured; all start together.

    Without ``rate``, each client sends its next request when the last is answered (a closed loop: at
    saturation its latency is only queueing). With ``rate``, together the clients send that many requests
    a second, each at random (Poisson) moments whether or not earlier answers have come, and a request's
    latency counts from the moment it was due: a server that falls behind is charged for the wait."""
    host, port = url.removeprefix("http://").split(":")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    errors: Counter = Counter()
    dues: list[float] = []
    sent: list[tuple[int, int]] = []
    together = threading.Lock()
    start = threading.Barrier(clients + 1)

    def one_client(k: int) -> None:
        rng = random.Random(seed + k)
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        start.wait()
        due = time.perf_counter() + (rng.expovariate(rate / clients) if rate else 0.0)
        mine, mine_due, failed = [], [], Counter()
        for i in range(per_client):
            payload = body(k, i)
            if rate:
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
            else:
                due = time.perf_counter()
            try:
                connection.request("POST", "/graphql", payload, headers)
                response = connection.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed the connection after its keep-alive timeout (uvicorn: 5 s), as a client
                # sending seldom (a paced run at a low rate) meets it: a new connection, as a browser opens.
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=120)
                connection.request("POST", "/graphql", payload, headers)
                response = connection.getresponse()
            answer = json.loads(response.read())
            mine.append(time.perf_counter() - due)
            mine_due.append(due)
            if response.status != 200 or answer.get("errors"):
                codes = [(e.get("extensions") or {}).get("code", "?") for e in answer.get("errors") or [{}]]
                failed[codes[0] if response.status == 200 else f"HTTP {response.status}"] += 1
            if rate:
                due += rng.expovariate(rate / clients)
        with together:  # latencies, dues and what was sent stay in step
            latencies.extend(mine)
            dues.extend(mine_due)
            sent.extend((k, i) for i in range(len(mine)))
        errors.update(failed)
        connection.close()

    seconds = run_together(one_client, clients, start)
    return ClientRun(latencies, seconds, errors, dues, sent)


def run_together(one_client: Callable[[int], None], clients: int, start: threading.Barrier) -> float:
    """``one_client(k)`` in ``clients`` threads, each waiting at ``start`` (of ``clients + 1`` parties) until
    all are ready; the seconds from their start together until the last is done."""
    threads = [threading.Thread(target=one_client, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def warm_cache(url: str, token: str, ids: list[str]) -> None:
    """One command on each organization from 4 clients, so that the server's aggregate cache holds them
    all, as in a server that has been running."""
    warm = thread_clients(url, token, 4, -(-len(ids) // 4), lambda k, i: count_body(ids[(k + i * 4) % len(ids)], 1))
    assert not warm.errors, warm.errors


def closed_commands(url: str, token: str, ids: list[str], clients: int, each: int,
                    server_pid: int) -> tuple[ClientRun, float]:
    """``clients`` clients each sending ``each`` countPartyMembers, the next when the last is answered, spread
    over ``ids``; with the server's CPU a command (ms) over the run, which moves less with the machine's load
    than a rate does."""
    used = cpu_seconds(server_pid)
    run = thread_clients(url, token, clients, each, lambda k, i: count_body(ids[(k + i * clients) % len(ids)], i % 9 + 1))
    return run, (cpu_seconds(server_pid) - used) / len(run.latencies) * 1000


def http_concurrent(url: str, token: str, org_ids: list[str], clients: int, per_client: int) -> list[float]:
    """Organization queries from ``clients`` concurrent clients; each request's latency."""
    run = thread_clients(url, token, clients, per_client, lambda k, i: json.dumps(
        {"query": ORG_QUERY, "variables": {"id": org_ids[(k + i) % len(org_ids)]}}))
    assert not run.errors, run.errors
    return run.latencies


def start_server(env: dict[str, str], workers: int = 1) -> tuple[subprocess.Popen, str]:
    """`lianjian serve --dev` in a process of its own on a free 127.0.0.1 port, with ``env`` added to ours;
    returns once it answers /healthz."""
    return serve(["gateway", "serve", "--dev", "--workers", str(workers)], env)


def start_stack_floor() -> tuple[subprocess.Popen, str]:
    """bench/stack_floor.py's empty mutation, served by uvicorn as `lianjian serve` serves the gateway."""
    return serve(["uvicorn", "bench.stack_floor:app", "--no-access-log"], {})


def serve(module_and_args: list[str], env: dict[str, str], wait: float = 120) -> tuple[subprocess.Popen, str]:
    """``python -m`` a server on a free 127.0.0.1 port, with ``env`` added to ours (no LIANJIAN_ variable
    of ours leaks in); returns once it answers /healthz (within ``wait`` seconds)."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", *module_and_args, "--port", str(port)], cwd=ROOT,
                              env={**{k: v for k, v in os.environ.items() if not k.startswith("LIANJIAN_")}, **env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return server, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.terminate()
    raise RuntimeError(f"the server did not answer /healthz in {wait:.0f} s")


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (user and system, all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_metrics(url: str) -> list[str]:
    return httpx.get(url + "/metrics", timeout=10).text.splitlines()


def server_histogram(url: str, lines: list[str] | None = None) -> dict[float, float]:
    """The server's own /graphql latency histogram (cumulative counts by bucket bound) from /metrics."""
    buckets: dict[float, float] = {}
    for line in lines if lines is not None else server_metrics(url):
        if line.startswith('lianjian_http_request_seconds_bucket{') and 'route="/graphql"' in line:
            bound = line.split('le="')[1].split('"')[0]
            buckets[float("inf") if bound == "+Inf" else float(bound)] = float(line.rsplit(" ", 1)[1])
    return buckets


def server_gc_pauses(lines: list[str]) -> tuple[float, float]:
    """The server's full (generation 2) garbage collections so far: how many, and their seconds in all."""
    count = total = 0.0
    for line in lines:
        if 'generation="2"' in line and line.startswith("lianjian_gc_pause_seconds_count"):
            count = float(line.rsplit(" ", 1)[1])
        elif 'generation="2"' in line and line.startswith("lianjian_gc_pause_seconds_sum"):
            total = float(line.rsplit(" ", 1)[1])
    return count, total


def histogram_quantile(before: dict[float, float], after: dict[float, float], share: float) -> float:
    """The bucket bound under which ``share`` of the requests between the two scrapes finished."""
    counts = {bound: after[bound] - before.get(bound, 0.0) for bound in sorted(after)}
    total = counts[float("inf")]
    for bound, count in counts.items():
        if count >= share * total:
            return bound
    return float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--per-client", type=int, default=40, help="Requests each concurrent client makes.")
    parser.add_argument("--server-workers", type=int, default=1, help="Server processes (lianjian serve --workers).")
    parser.add_argument("--workers-elsewhere", action="store_true",
                        help="Run the server without embedded projections, as in production (views not updated).")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="lianjian-bench-"))
    settings = Settings(data_dir=folder, dev_mode=True)
    app = open_application(settings)
    load_demo(app)
    ProjectionWorker(app, all_views(), with_rules=True).run_until_idle()  # views ready in either mode
    org_ids = [i for i in app.organization_ids() if app.organization(i).is_active][:60]
    token = DevTokenIssuer(folder).issue("party-liu")
    reader = DevTokenIssuer(folder).issue("ca-zhang")

    env = {"LIANJIAN_DATA_DIR": str(folder), "LIANJIAN_DEV_MODE": "true",
           "LIANJIAN_EMBEDDED_PROJECTIONS": "false" if args.workers_elsewhere else "true"}
    server, url = start_server(env, args.server_workers)
    try:
        for _ in range(200):
            try:
                if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        n = args.requests
        mutation_variables = [{"id": org_ids[i % len(org_ids)], "n": i % 9} for i in range(n)]
        query_variables = [{"id": org_id} for org_id in org_ids]
        floor = http_floor(url, n)
        http_queries = http_sequential(url, reader, ORG_QUERY, query_variables, n)
        local_queries = in_process_queries(settings, app, reader, org_ids, n)
        http_mutations = http_sequential(url, token, COUNT, mutation_variables, n)
        local_mutations = in_process_mutations(app, org_ids, n)
        before = server_histogram(url)
        latencies = http_concurrent(url, reader, org_ids, args.clients, args.per_client)
        server_p99 = histogram_quantile(before, server_histogram(url), 0.99)
    finally:
        server.terminate()
        server.wait(timeout=20)
        app.close()

    mode = "projections in other processes" if args.workers_elsewhere else "embedded projections"
    print(f"gateway on the embedded store (SQLite, {mode}, {args.server_workers} server process(es)), demo data;"
          f" {n} requests each, one client unless said\n")
    print(f"{'operation':<34}{'HTTP/s':>9}{'in process/s':>14}{'ratio':>8}  goal >= 0.50")
    for name, over_http, local, baseline in (
        ("query organization(id)", http_queries, local_queries, "same schema, no HTTP"),
        ("mutation countPartyMembers", http_mutations, local_mutations, "domain service"),
    ):
        ratio = over_http / local
        print(f"{name:<34}{over_http:>9.0f}{local:>14.0f}{ratio:>8.2f}  {'ok' if ratio >= 0.5 else 'BELOW GOAL'}"
              f"  (baseline: {baseline})")
    print(f"{'(HTTP floor: GET /healthz)':<34}{floor:>9.0f}")
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    print(f"\n{args.clients} concurrent clients, {len(latencies)} organization queries:"
          f" p50 {p50:.1f} ms, p99 {p99:.1f} ms, mean {statistics.mean(latencies) * 1000:.1f} ms"
          f"  (goal p99 < 50 ms: {'ok' if p99 < 50 else 'BELOW GOAL'})")
    print(f"  the server's own histogram puts its p99 at or under {server_p99 * 1000:.0f} ms (bucket bound)")


if __name__ == "__main__":
    main()
