"""The deployment recipe of infra/deploy/, run without systemd: each unit's ExecStart and the environment file
template, read from the files (only the database, the data folder, the ports and the program's path are the
test's), so a wrong option or setting in the recipe fails here.

On a private PostgreSQL: two gateways, two projection workers (an active one and a standby) and the sealer;
commands sent to both gateways, one gateway and the active worker SIGKILLed under load. Then nothing
acknowledged was lost, the standby took the views over, every view equals its rebuild and the chain verifies;
and the recipe's backup, restored by its restore drill into a new database, verifies with the same counts.
The drill also on the embedded store, and on a tampered backup, which it must fail. nginx with the recipe's
file in front of two gateways; PostgreSQL with the recipe's settings, recovered to a moment from its WAL
archive; systemd-analyze on the units (the nginx and systemd-analyze tests need those installed).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

import psycopg
import pytest
import websockets.sync.client

from auth.dev import DevTokenIssuer
from children import kill, stop
from domain.application import Supervision
from domain.context import Actor, Context
from gateway.demo import load_demo
from gateway.settings import Settings
from gateway.storage import open_application
from infra.postgres.private import PostgresUnavailable, PrivateServer, free_port
from projections.audit.sealer import SEALER_NAME, ChainSealer
from projections.audit.verify import verify
from projections.runtime.db import ViewDatabase
from projections.rules.joint import RULES_NAME
from projections.runtime.worker import ExclusiveLock
from projections.views.catalog import all_views
from faults.test_server_killed import Sent
from served import Server, assert_views_equal_a_rebuild, count_command, recorded_commands, stored, wait_for_views

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "infra" / "deploy"
UNITS = DEPLOY / "systemd"
ENV_FILE = DEPLOY / "lianjian.env"
INSTALLED_ENV_FILE = "/etc/lianjian/lianjian.env"
LIANJIAN = Path(sys.executable).with_name("lianjian")
INSTALLED = {"/opt/lianjian/venv/bin/lianjian": str(LIANJIAN), "/opt/lianjian/infra/deploy/": f"{DEPLOY}/"}
REASON = "部署测试：负载下杀进程"
COUNT = count_command(REASON)
PARTY = Actor("party-liu", "party-liu", "party_building", "officer")
PERSONAL_DATA = "query($org: ID!) { organization(id: $org) { legalRepresentative { idNumber } } }"
CLIENTS = 4


# -- the recipe, read from its files ---------------------------------------------------------------------

def template() -> dict[str, str]:
    """The environment file's settings (systemd's format: KEY=value, # comments)."""
    settings = {}
    for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    return settings


def service(name: str) -> dict[str, list[str]]:
    """A unit's [Service] settings, each key with its values in order (EnvironmentFile= may come twice)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for line in (UNITS / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip()
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def exec_start(name: str, instance: str = "", replacing: dict[str, str] | None = None) -> list[str]:
    """A unit's command as systemd would run it: %i is the instance; the programs are this checkout's, and any
    argument in ``replacing`` the test's."""
    settings = service(name)
    assert settings["EnvironmentFile"][0] == INSTALLED_ENV_FILE, name
    program, *arguments = shlex.split(settings["ExecStart"][0].replace("%i", instance))
    return [here(program), *((replacing or {}).get(argument, argument) for argument in arguments)]


def here(installed: str) -> str:
    """Where an installed path of the README (/opt/lianjian/…) is in this checkout."""
    for prefix, local in INSTALLED.items():
        if installed.startswith(prefix):
            return local + installed[len(prefix):]
    raise AssertionError(f"{installed} is not where the README installs Lianjian")


def recipe_env(database: str | None, data_dir: Path) -> dict[str, str]:
    """The template's environment on the test's store; dev-mode tokens instead of Keycloak's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIANJIAN_")} | template()
    env |= {"LIANJIAN_DATA_DIR": str(data_dir), "LIANJIAN_AUDIT_KEY": str(data_dir / "audit-signing-key.pem"),
            "LIANJIAN_DEV_MODE": "true", "PYTHONUNBUFFERED": "1", "PATH": f"{LIANJIAN.parent}:{os.environ['PATH']}"}
    if database:
        env["LIANJIAN_DATABASE_URL"] = database
    else:
        del env["LIANJIAN_DATABASE_URL"]
    return env


def test_every_setting_of_the_template_is_one_the_gateway_reads() -> None:
    # A misspelt name is ignored by the settings (extra="ignore"): the deployment would run on a default.
    known = {"LIANJIAN_" + name.upper() for name in Settings.model_fields} | {"LIANJIAN_AUDIT_KEY"}
    assert sorted(set(template()) - known) == []
    assert template()["LIANJIAN_EMBEDDED_PROJECTIONS"] == "false" and template()["LIANJIAN_DEV_MODE"] == "false"
    Settings(**{k.removeprefix("LIANJIAN_").lower(): v for k, v in template().items() if k != "LIANJIAN_AUDIT_KEY"})


def test_the_units_are_valid_for_systemd(tmp_path, unavailable) -> None:
    # Unknown keys and bad values are only warnings to systemd, which then runs the unit without them.
    if shutil.which("systemd-analyze") is None:
        unavailable("systemd-analyze", "not installed (Debian's systemd)")
    names = []
    for path in sorted(UNITS.iterdir()):
        text = path.read_text(encoding="utf-8")
        for installed, local in INSTALLED.items():
            text = text.replace(installed, local)
        name = path.name.replace("@.", "@8001.")
        (tmp_path / path.name).write_text(text, encoding="utf-8")
        (tmp_path / name).write_text(text, encoding="utf-8")
        names.append(name)
    checked = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
    assert checked.returncode == 0 and checked.stdout + checked.stderr == "", checked.stdout + checked.stderr
    assert {"lianjian-gateway@8001.service", "lianjian-project.service", "lianjian-seal.service"} <= set(names)


# -- the processes ----------------------------------------------------------------------------------------

class Gateway(Server):
    """lianjian-gateway@PORT.service's command, answering /healthz when made."""

    def __init__(self, env: dict[str, str]) -> None:  # noqa: D107
        super().__init__(env, argv=lambda port: exec_start("lianjian-gateway@.service", str(port)))


class Worker:
    """A unit's long-running command, its output (which view it holds: "NAME: active") kept in a file."""

    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(exec_start(name), cwd=ROOT, env=env, stdout=log.open("w"),
                                        stderr=subprocess.STDOUT)

    def holds(self) -> set[str]:
        held: set[str] = set()
        for line in self.log.read_text(encoding="utf-8").splitlines():
            name, _, state = line.partition(": ")
            if state == "active":
                held.add(name)
            elif state == "standby":
                held.discard(name)
        return held

    def wait_until_holding(self, names: set[str], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not names <= self.holds():
            assert self.process.poll() is None, self.log.read_text()[-2000:]
            assert time.monotonic() < deadline, f"holds {sorted(self.holds())}, not {sorted(names)}"
            time.sleep(0.05)


# -- the clients: round-robin over the gateways, as nginx's upstream does -----------------------------------

def command(org_id: str, members: int, key: str) -> str:
    """countPartyMembers marked with this test's reason, by which its commands are counted afterwards."""
    return json.dumps({"query": COUNT, "variables": {"id": org_id, "n": members, "key": key}})


def send_round_robin(gateways: list[Gateway], token: str, org_ids: list[str], sent: Sent, stopping: threading.Event,
                     seed: int) -> None:
    """One client: a command at a time, to each gateway in turn; a gateway that left a command unanswered is
    skipped from then on (nginx's max_fails=1), and the command is kept to be sent again with its key."""
    rng = random.Random(seed)
    up = list(gateways)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    connections = {g.port: http.client.HTTPConnection("127.0.0.1", g.port, timeout=30) for g in gateways}
    n = 0
    while not stopping.is_set() and up:
        gateway = up[n % len(up)]
        n += 1
        key, org_id, members = f"deploy-{uuid.uuid4().hex}", rng.choice(org_ids), rng.randrange(0, 12)
        try:
            connections[gateway.port].request("POST", "/graphql", command(org_id, members, key), headers)
            answer = json.loads(connections[gateway.port].getresponse().read())
        except (OSError, http.client.HTTPException, ValueError):
            with sent.lock:
                sent.unanswered[key] = (org_id, members)
            connections[gateway.port].close()
            up.remove(gateway)
            continue
        sent.answered(key, answer)
    for connection in connections.values():
        connection.close()


# -- the tests --------------------------------------------------------------------------------------------

@pytest.mark.postgres
def test_the_recipe_survives_a_killed_gateway_and_worker_and_its_backup_restores(postgres_url, tmp_path,
                                                                                  inputs_tried) -> None:
    data_dir = tmp_path / "data"
    env = recipe_env(postgres_url, data_dir)
    app = open_application(Settings(database_url=postgres_url))
    load_demo(app)
    org_ids = [i for i in app.organization_ids() if app.organization(i).is_active][:12]
    token = DevTokenIssuer(data_dir).issue("party-liu", lifetime=3600)
    every_lock = {view.tracking_name for view in all_views()} | {RULES_NAME}

    processes: list[subprocess.Popen] = []
    try:
        active = Worker("lianjian-project.service", env, tmp_path / "project-a.log")
        processes.append(active.process)
        active.wait_until_holding(every_lock)
        standby = Worker("lianjian-project.service", env, tmp_path / "project-b.log")
        sealer = Worker("lianjian-seal.service", env, tmp_path / "seal.log")
        processes += [standby.process, sealer.process]
        gateways = [Gateway(env), Gateway(env)]
        processes += [g.process for g in gateways]
        sealer.wait_until_holding({SEALER_NAME})
        assert standby.holds() == set(), "the standby took a view from the active worker"

        sent, stopping = Sent(), threading.Event()
        clients = [threading.Thread(target=send_round_robin,
                                    args=(gateways, token, org_ids[c::CLIENTS], sent, stopping, c))
                   for c in range(CLIENTS)]
        for client in clients:
            client.start()
        time.sleep(2.0)
        kill(gateways[0].process)
        kill(active.process)
        standby.wait_until_holding(every_lock)
        time.sleep(1.0)
        stopping.set()
        for client in clients:
            client.join(timeout=60)
        assert not any(client.is_alive() for client in clients)
        assert sent.errors == []
        assert len(sent.acknowledged) > 20, "too few commands were acknowledged to say anything"

        # Nothing acknowledged was lost; the unanswered ones, sent again with their keys, are recorded once.
        missing = [e for ids in sent.acknowledged.values() for e in ids if not stored(app, e)]
        assert missing == [], missing[:5]
        for key, (org_id, members) in sent.unanswered.items():
            status, answer = gateways[1].request("POST", "/graphql", command(org_id, members, key), token)
            assert status == 200 and not answer.get("errors"), answer
        assert recorded_commands(app, REASON) == len(sent.acknowledged) + len(sent.unanswered)
        # A read of personal data (kept in the read audit, which the backup must hold too).
        status, answer = gateways[1].request("POST", "/graphql", json.dumps(
            {"query": PERSONAL_DATA, "variables": {"org": org_ids[0]}}), DevTokenIssuer(data_dir).issue("ca-zhang"))
        assert status == 200 and answer["data"]["organization"]["legalRepresentative"]["idNumber"], answer

        # The standby keeps the views current, the sealer the chain; the time-based rules for a chosen date
        # (beside the running worker, which they wait for) record their events, which the standby applies too.
        wait_for_views(app)
        tick = subprocess.run([str(LIANJIAN), "tick", "--today", "2026-12-01"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=90)
        assert tick.returncode == 0, tick.stderr[-2000:]
        wait_for_views(app)
        assert_views_equal_a_rebuild(app)
        sealed = wait_until_sealed(app)
        assert sealed.intact and sealed.sealed_head == sealed.store_head == app.head_position(), sealed.findings[:3]
        # A signed checkpoint by hand, as the recipe's README has it, with the sealer's key; then the hourly
        # verification checks the chain and the checkpoint.
        checkpoint = subprocess.run([str(LIANJIAN), "checkpoint"], cwd=ROOT, env=env, capture_output=True, text=True,
                                    timeout=60)
        assert checkpoint.returncode == 0, checkpoint.stderr[-2000:]
        verified = subprocess.run(exec_start("lianjian-verify.service"), cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=60)
        assert verified.returncode == 0 and "1 checkpoints" in verified.stdout, verified.stdout + verified.stderr

        # Stopped as systemd stops them (SIGTERM): each ends cleanly in systemd's sense, exit 0 or SIGTERM
        # re-raised (uvicorn's way), so Restart=on-failure leaves it stopped.
        for process in (standby.process, sealer.process, gateways[1].process):
            stop(process, timeout=30)
            assert process.returncode in (0, -signal.SIGTERM), process.args
    finally:
        for process in processes:
            if process.poll() is None:
                kill(process)

    drilled = backup_and_drill(env, tmp_path, target=f"{postgres_url.rsplit('/', 1)[0]}/t_{uuid.uuid4().hex[:16]}",
                               source=postgres_url)
    assert drilled.returncode == 0, drilled.stdout + drilled.stderr
    assert (f"{sealed.checked} events (head #{app.head_position()}), {sealed.checked} chain entries, 1 checkpoints,"
            " 1 reads") in drilled.stdout, drilled.stdout
    assert "RESULT: RESTORED AND VERIFIED" in drilled.stdout
    app.close()

    inputs_tried["deployed gateway and worker SIGKILLs under load (postgres)"] += 2
    inputs_tried["commands acknowledged by two deployed gateways (postgres)"] += len(sent.acknowledged)
    inputs_tried["commands left unanswered by a killed deployed gateway, sent again (postgres)"] += len(sent.unanswered)


def wait_until_sealed(app: Supervision, timeout: float = 30):  # noqa: ANN201 - verify's report
    deadline = time.monotonic() + timeout
    while True:
        report = verify(app)
        if report.unsealed == 0 and report.sealed_head == app.head_position():
            return report
        assert time.monotonic() < deadline, f"{report.unsealed} events still unsealed"
        time.sleep(0.2)


def backup_and_drill(env: dict[str, str], tmp_path: Path, target: str, source: str) -> subprocess.CompletedProcess:
    """backup.sh, then restore-drill.sh of its backup into ``target``, compared with ``source``; the new
    database is dropped afterwards."""
    backup = backed_up(env, tmp_path)
    try:
        return subprocess.run([str(DEPLOY / "restore-drill.sh"), backup, target, source], env=env,
                              capture_output=True, text=True, timeout=120)
    finally:
        if target.startswith("postgresql://"):
            server, _, name = target.rpartition("/")
            with psycopg.connect(server + "/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def backed_up(env: dict[str, str], tmp_path: Path) -> str:
    """lianjian-backup.service's command, into the test's folder: the backup's path."""
    done = subprocess.run(exec_start("lianjian-backup.service", replacing={"/var/backups/lianjian": str(tmp_path)}),
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_restore_drill_passes_a_sound_backup_and_fails_a_tampered_one(settings, tmp_path) -> None:
    env = recipe_env(settings.database_url, settings.data_dir)
    app = open_application(settings)
    load_demo(app)
    lock = ExclusiveLock(app, SEALER_NAME)
    assert lock.try_acquire()
    ChainSealer(app).catch_up()
    lock.release()
    source = settings.database_url or str(settings.data_dir)

    def target() -> str:
        name = f"t_{uuid.uuid4().hex[:16]}"
        return f"{settings.database_url.rsplit('/', 1)[0]}/{name}" if settings.database_url else str(tmp_path / name)

    sound = backup_and_drill(env, tmp_path, target(), source)
    assert sound.returncode == 0, sound.stdout + sound.stderr
    assert "counts: equal to the source's" in sound.stdout and "INTACT" in sound.stdout, sound.stdout

    # An organization's name altered in the stored event, after it was sealed, then backed up.
    org = app.organization(app.organization_ids()[0])
    db = ViewDatabase(app)
    column = "notification_id" if db.is_postgres else "rowid"
    with db.transaction() as tx:
        row = next(r for r in tx.rows(f"SELECT {column} AS position, state FROM {db.events_table} ORDER BY {column}")
                   if org.name.encode() in bytes(r["state"]))
        state = bytes(row["state"])
        tx.execute(f"UPDATE {db.events_table} SET state = ? WHERE {column} = ?",
                   (state.replace(org.name.encode(), org.name[::-1].encode()), row["position"]))
    tampered = backup_and_drill(env, tmp_path, target(), source)
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert f"TAMPERED: 1 findings; the first: #{row['position']} altered" in tampered.stdout, tampered.stdout
    assert "RESULT: FAILED" in tampered.stdout
    app.close()


def test_the_restore_drill_refuses_to_restore_over_a_store(settings, tmp_path) -> None:
    env = recipe_env(settings.database_url, settings.data_dir)
    app = open_application(settings)
    load_demo(app)
    app.close()
    existing = settings.database_url or str(settings.data_dir)
    refused = subprocess.run([str(DEPLOY / "restore-drill.sh"), backed_up(env, tmp_path), existing], env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and "restores into a new" in refused.stderr, refused.stderr


# -- nginx in front, as the recipe configures it ------------------------------------------------------------

class Nginx:
    """infra/deploy/nginx/lianjian.conf with the test's ports, certificate and log folder, in an nginx of its own."""

    def __init__(self, folder: Path, gateways: list[Gateway]) -> None:
        self.folder = folder
        self.http, self.https, self.private = free_port(), free_port(), free_port()
        certificate, key = self_signed(folder)
        ports = [str(g.port) for g in gateways]
        site = (DEPLOY / "nginx" / "lianjian.conf").read_text(encoding="utf-8")
        site = (site.replace("/var/log/nginx/", f"{folder}/")
                .replace("/etc/lianjian/tls/fullchain.pem", str(certificate))
                .replace("/etc/lianjian/tls/privkey.pem", str(key)).replace("listen 80;", f"listen 127.0.0.1:{self.http};")
                .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{self.https} ssl http2;")
                .replace("10.0.0.5:9443", f"127.0.0.1:{self.private}")
                .replace("(80[0-9][0-9])", f"({'|'.join(ports)})"))
        site = "\n".join(line for line in site.splitlines() if "listen [::]" not in line)  # no IPv6 here
        upstreams = [line for line in site.splitlines() if line.strip().startswith("server 127.0.0.1:80")]
        assert len(upstreams) == len(gateways)
        for line, port in zip(upstreams, ports):
            site = site.replace(line, line.replace(line.split()[1], f"127.0.0.1:{port}"))
        (folder / "site.conf").write_text(site, encoding="utf-8")
        (folder / "nginx.conf").write_text(
            f"daemon off; worker_processes 1; pid {folder}/nginx.pid; error_log {folder}/error.log;\n"
            f"events {{}}\nhttp {{ include {folder}/site.conf; }}\n", encoding="utf-8")
        checked = subprocess.run(["nginx", "-t", "-p", str(folder), "-c", str(folder / "nginx.conf")],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")])
        deadline = time.monotonic() + 10
        while self.get("/healthz")[0] != 200:
            if time.monotonic() > deadline:
                stop(self.process)
                raise AssertionError((folder / "error.log").read_text())
            time.sleep(0.1)

    def request(self, method: str, path: str, body: str | bytes | None = None, token: str | None = None,
                port: int | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPSConnection("127.0.0.1", port or self.https, timeout=30, context=unverified())
        try:
            headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            return response.status, response.read()
        except OSError:
            return 0, b""
        finally:
            connection.close()

    def get(self, path: str, port: int | None = None) -> tuple[int, bytes]:
        return self.request("GET", path, port=port)


def self_signed(folder: Path) -> tuple[Path, Path]:
    from datetime import datetime, timedelta, timezone

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lianjian.example.gov.cn")])
    now = datetime.now(timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=1))
                   .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    (folder / "key.pem").chmod(0o600)
    return folder / "cert.pem", folder / "key.pem"


@pytest.mark.postgres
def test_nginx_as_configured_proxies_limits_and_hides_what_it_should(postgres_url, tmp_path, unavailable) -> None:
    if shutil.which("nginx") is None:
        unavailable("nginx", "not installed (apt-get install nginx-light)")
    data_dir = tmp_path / "data"
    env = recipe_env(postgres_url, data_dir)
    app = open_application(Settings(database_url=postgres_url))
    load_demo(app)
    org_id = next(i for i in app.organization_ids() if app.organization(i).is_active)
    token = DevTokenIssuer(data_dir).issue("party-liu", lifetime=3600)
    (tmp_path / "nginx").mkdir()
    gateways: list[Gateway] = []
    proxy = None
    try:
        gateways = [Gateway(env), Gateway(env)]
        proxy = Nginx(tmp_path / "nginx", gateways)

        status, body = proxy.request("POST", "/graphql", command(org_id, 3, "nginx-1"), token)
        assert status == 200 and json.loads(body)["data"]["countPartyMembers"]["eventIds"], body
        # /metrics and /readyz: not on the public side; on the private one, each gateway's own.
        assert proxy.get("/metrics")[0] == proxy.get("/readyz")[0] == 404
        for gateway in gateways:
            status, body = proxy.get(f"/gateway/{gateway.port}/metrics", port=proxy.private)
            assert status == 200 and b"# TYPE" in body, body[:200]
        assert proxy.get("/gateway/22/metrics", port=proxy.private)[0] == 404  # no other local port
        # The request cap: a body over 1 MiB never reaches a gateway.
        assert proxy.request("POST", "/graphql", b"x" * (1024 * 1024 + 1), token)[0] == 413
        # Without a token, 2 a second and a burst of 10; with one, a burst of 40.
        anonymous = [proxy.request("POST", "/graphql", '{"query": "{ __typename }"}')[0] for _ in range(20)]
        assert anonymous.count(429) >= 5 and set(anonymous) == {200, 429}, anonymous
        signed_in = [proxy.request("POST", "/graphql", '{"query": "{ __typename }"}', token)[0] for _ in range(20)]
        assert set(signed_in) == {200}, signed_in
        # Subscriptions: the websocket upgrade passes through.
        with websockets.sync.client.connect(f"wss://127.0.0.1:{proxy.https}/graphql", ssl=unverified(),
                                            subprotocols=["graphql-transport-ws"]) as ws:
            ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"

        # One gateway killed: nginx sends the next requests to the other; a command left unanswered (a 502) is
        # sent again with its key, and every command is recorded once.
        kill(gateways[0].process)
        answers = []
        for n in range(10):
            key = f"nginx-after-kill-{n}"
            for _ in range(3):
                status, body = proxy.request("POST", "/graphql", command(org_id, n, key), token)
                if status == 200:
                    break
            assert status == 200 and not json.loads(body).get("errors"), body
            answers.append(json.loads(body)["data"]["countPartyMembers"]["eventIds"][0])
        assert len(set(answers)) == 10 and all(stored(app, e) for e in answers)
        stop(proxy.process)  # the access log written out
        log = (tmp_path / "nginx" / "lianjian.access.log").read_text(encoding="utf-8")
        assert f"upstream=127.0.0.1:{gateways[1].port}/200" in log and token not in log
    finally:
        if proxy is not None:
            stop(proxy.process)
        for gateway in gateways:
            if gateway.process.poll() is None:
                kill(gateway.process)
        app.close()


def unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    return context


# -- PostgreSQL with the recipe's settings: archiving and point-in-time recovery ---------------------------

@pytest.mark.postgres
def test_the_recipes_postgresql_settings_take_and_recover_the_database_to_a_moment(tmp_path, unavailable) -> None:
    try:
        server = PrivateServer(durable=True)
        server.start()
    except PostgresUnavailable as error:
        unavailable("PostgreSQL", str(error))
    as_server = ["runuser", "-u", "postgres", "--"] if server.as_root else []
    archive, base, restored = server.folder / "wal-archive", server.folder / "base", server.folder / "restored"
    restored_port = free_port()
    try:
        archive.mkdir()
        # This machine's memory, not the 16 GB database machine's; the test's archive folder and certificate.
        conf = (DEPLOY / "postgresql" / "lianjian.conf").read_text(encoding="utf-8")
        conf = conf.replace("/var/lib/postgresql/wal-archive", str(archive))
        for name, value in (("shared_buffers", "'128MB'"), ("effective_cache_size", "'512MB'"),
                            ("maintenance_work_mem", "'64MB'")):
            conf, found = re.subn(rf"^{name} = \S+", f"{name} = {value}", conf, flags=re.M)
            assert found == 1, name
        (server.folder / "lianjian.conf").write_text(conf, encoding="utf-8")
        certificate, key = self_signed(server.folder)
        certificate.rename(server.data / "server.crt")
        key.rename(server.data / "server.key")
        with (server.data / "postgresql.conf").open("a", encoding="utf-8") as settings:
            settings.write(f"\ninclude '{server.folder / 'lianjian.conf'}'\n")
        if server.as_root:
            subprocess.run(["chown", "-R", "postgres:postgres", str(server.folder)], check=True)
        server.restart(mode="fast")
        with psycopg.connect(server.url + "/postgres?sslmode=require", autocommit=True) as conn:
            shown = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in (
                "wal_level", "archive_mode", "synchronous_commit", "fsync", "full_page_writes", "tcp_keepalives_idle")}
        assert shown == {"wal_level": "replica", "archive_mode": "on", "synchronous_commit": "on", "fsync": "on",
                         "full_page_writes": "on", "tcp_keepalives_idle": "60"}

        url = server.create_database("lianjian")
        app = open_application(Settings(database_url=url))
        load_demo(app)
        org_ids = [i for i in app.organization_ids() if app.organization(i).is_active][:5]
        # The weekly base backup, as the README has it (tar, compressed, with its WAL).
        backed_up = subprocess.run([*as_server, str(server.bindir / "pg_basebackup"), "-d", server.url + "/postgres",
                                    "-D", str(base), "-Ft", "-z", "-X", "stream", "-c", "fast"],
                                   capture_output=True, text=True)
        assert backed_up.returncode == 0, backed_up.stderr
        record(app, org_ids, "时点恢复测试：之前")
        time.sleep(1.1)
        moment = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f+00")
        time.sleep(1.1)
        record(app, org_ids, "时点恢复测试：之后")
        app.close()
        with psycopg.connect(server.url + "/postgres", autocommit=True) as conn:
            segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
            deadline = time.monotonic() + 30
            while (conn.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()[0] or "") < segment:
                assert time.monotonic() < deadline, "the WAL was not archived"
                time.sleep(0.1)
            assert conn.execute("SELECT failed_count FROM pg_stat_archiver").fetchone()[0] == 0
        server.stop(keep_data=True, mode="fast")

        prepared = subprocess.run([*as_server, str(DEPLOY / "point-in-time.sh"), str(base), str(archive), moment,
                                   str(restored)], capture_output=True, text=True)
        assert prepared.returncode == 0, prepared.stderr
        started = subprocess.run([*as_server, str(server.bindir / "pg_ctl"), "-D", str(restored), "-l",
                                  str(server.folder / "restored.log"), "-o", f"-p {restored_port} -k {server.folder}",
                                  "-w", "-t", "60", "start"], capture_output=True, text=True)
        assert started.returncode == 0, (server.folder / "restored.log").read_text()[-2000:]
        with psycopg.connect(f"postgresql://lianjian@127.0.0.1:{restored_port}/postgres", autocommit=True) as conn:
            deadline = time.monotonic() + 60  # it answers reads while it replays; promoted, it takes writes
            while conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                assert time.monotonic() < deadline, (server.folder / "restored.log").read_text()[-2000:]
                time.sleep(0.1)
        back = open_application(Settings(database_url=f"postgresql://lianjian@127.0.0.1:{restored_port}/lianjian"))
        assert recorded_commands(back, "时点恢复测试：之前") == len(org_ids)
        assert recorded_commands(back, "时点恢复测试：之后") == 0
        back.close()
    finally:
        if restored.exists():
            subprocess.run([*as_server, str(server.bindir / "pg_ctl"), "-D", str(restored), "-m", "immediate", "-w",
                            "stop"], capture_output=True)
        server.stop()


def record(app: Supervision, org_ids: list[str], reason: str) -> None:
    for n, org_id in enumerate(org_ids):
        app.count_party_members(Context(PARTY, reason, date(2026, 11, 20)), org_id, members=n)
