#!/usr/bin/python3
"""Failover test: no acknowledged request lost when the primary database dies.

On one machine, on loopback, as an unprivileged user (PostgreSQL refuses
root: as root, the database side runs as `nobody`):
  - etcd (its v3 API) and two PostgreSQL 15 nodes managed by Patroni, in
    synchronous_mode_strict, each with its own data directory and ports;
  - two `dsr serve` nodes on the cluster, through a multi-host connection
    string with target_session_attrs=read-write;
  - clients spreading filings (each with an Idempotency-Key, retried with the
    same key until answered) and transitions over both nodes, recording every
    2xx.
Then it SIGKILLs the primary (postgres and patroni), waits for the promotion,
brings the dead node back as a standby, and goes on; it also SIGKILLs dsr
nodes and restarts them. At the end: every acknowledged filing and
transition is stored exactly once on the new primary, `dsr audit verify`
passes, and every receipt and result message was delivered at least once.

  tests/ha/ha_test.py --dsr build/debug/app/dsr                 quick: 2 failovers, 2 node kills
  tests/ha/ha_test.py --dsr DSR --failovers 20 --node-kills 20  long mode (docs/reliability.md)
Prints the figures as JSON on the last line; exit 0 when every check holds.
"""

import argparse
import http.client
import json
import os
import pwd
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

PG_BIN = "/usr/lib/postgresql/15/bin"
SUBJECT = {"name": "Budi Santoso", "nik": "3171012303850007", "email": "budi@example.go.id"}
_subjects = iter(range(1, 10**9))
_subjects_lock = threading.Lock()


def new_subject():
    """A subject of their own for each filing: an erasure fulfilled for one
    subject shreds what dsr keeps of them, their contact for messages not yet
    sent included, and must not take another filing's messages with it.
    A plausible NIK: Jakarta Pusat's region, a birth date, a serial."""
    with _subjects_lock:
        n = next(_subjects)
    serial, day = n % 9999 + 1, (n // 9999) % 28 + 1
    return {"name": "Budi Santoso", "nik": f"317101{day:02d}0385{serial:04d}", "email": "budi@example.go.id"}


def say(text):
    print(f"ha: {text}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_call(port, method, path, body=None, headers=None, timeout=5.0):
    """(status, json or None), or (None, None) when the node did not answer."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": "application/json", **(headers or {})})
        r = c.getresponse()
        data = r.read()
        c.close()
        try:
            return r.status, json.loads(data) if data else None
        except ValueError:
            return r.status, None
    except (OSError, http.client.HTTPException):
        return None, None


class Work:
    """The test's directory, readable by the unprivileged user."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dsr-ha.")
        os.chmod(self.dir, 0o755)
        self.user = None
        if os.getuid() == 0:
            self.user = pwd.getpwnam("nobody")

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def owned_dir(self, name):
        """A directory the database side may write."""
        d = self.path(name)
        os.makedirs(d, exist_ok=True)
        if self.user:
            os.chown(d, self.user.pw_uid, self.user.pw_gid)
        return d

    def as_user(self):
        if not self.user:
            return None
        uid, gid = self.user.pw_uid, self.user.pw_gid

        def demote():
            os.setgid(gid)
            os.setuid(uid)
        return demote


class Etcd:
    def __init__(self, work):
        self.client_port, self.peer_port = free_port(), free_port()
        data = work.owned_dir("etcd")
        log = open(work.path("etcd.log"), "w")
        self.proc = subprocess.Popen(
            ["etcd", "--name", "e1", "--data-dir", data,
             "--listen-client-urls", f"http://127.0.0.1:{self.client_port}",
             "--advertise-client-urls", f"http://127.0.0.1:{self.client_port}",
             "--listen-peer-urls", f"http://127.0.0.1:{self.peer_port}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.peer_port}",
             "--initial-cluster", f"e1=http://127.0.0.1:{self.peer_port}"],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=work.as_user(), cwd=work.dir)
        deadline = time.time() + 30
        while time.time() < deadline:
            status, body = http_call(self.client_port, "GET", "/health")
            if status == 200 and body and body.get("health") == "true":
                return
            if self.proc.poll() is not None:
                raise SystemExit("ha: etcd exited at start; see " + work.path("etcd.log"))
            time.sleep(0.2)
        raise SystemExit("ha: etcd did not become healthy in 30 s")

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class PatroniNode:
    def __init__(self, work, name, etcd_port, scope):
        self.work, self.name = work, name
        self.pg_port, self.api_port = free_port(), free_port()
        self.data = work.owned_dir(name)
        os.chmod(self.data, 0o700)  # as initdb wants it
        work.owned_dir(name + "-run")
        self.config = work.path(name + ".yml")
        with open(self.config, "w") as f:
            f.write(self.yaml(etcd_port, scope))
        self.proc = None
        self.start()

    def yaml(self, etcd_port, scope):
        run = self.work.path(self.name + "-run")
        # JSON is YAML: no YAML library needed to write it.
        return json.dumps({
            "scope": scope,
            "namespace": "/dsr-ha/",
            "name": self.name,
            "log": {"level": "WARNING"},
            "restapi": {"listen": f"127.0.0.1:{self.api_port}", "connect_address": f"127.0.0.1:{self.api_port}"},
            "etcd3": {"hosts": f"127.0.0.1:{etcd_port}"},
            "bootstrap": {
                "dcs": {
                    "ttl": 20, "loop_wait": 2, "retry_timeout": 5,
                    "maximum_lag_on_failover": 1048576,
                    "synchronous_mode": True, "synchronous_mode_strict": True,
                    "primary_start_timeout": 0,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "parameters": {
                            "wal_level": "replica", "hot_standby": "on", "wal_log_hints": "on",
                            "max_wal_senders": 10, "max_replication_slots": 10,
                            "synchronous_commit": "on", "fsync": "on", "max_connections": 100,
                        },
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}],
                "pg_hba": ["host replication all 127.0.0.1/32 trust", "host all all 127.0.0.1/32 trust",
                           "local all all trust"],
            },
            "postgresql": {
                "listen": f"127.0.0.1:{self.pg_port}",
                "connect_address": f"127.0.0.1:{self.pg_port}",
                "data_dir": self.data,
                "bin_dir": PG_BIN,
                "pgpass": os.path.join(run, "pgpass"),
                "authentication": {
                    "superuser": {"username": "postgres", "password": "ha-test"},
                    "replication": {"username": "replicator", "password": "ha-test"},
                    "rewind": {"username": "postgres", "password": "ha-test"},
                },
                "parameters": {"unix_socket_directories": run},
                "pg_hba": ["host replication all 127.0.0.1/32 trust", "host all all 127.0.0.1/32 trust",
                           "local all all trust"],
            },
        }, indent=1)

    def start(self):
        log = open(self.work.path(self.name + ".log"), "a")
        env = dict(os.environ, HOME=self.work.path(self.name + "-run"))
        self.proc = subprocess.Popen(["patroni", self.config], stdout=log, stderr=subprocess.STDOUT,
                                     preexec_fn=self.work.as_user(), cwd=self.work.dir, env=env)

    def role(self):
        status, body = http_call(self.api_port, "GET", "/patroni", timeout=2)
        if status is None or not body:
            return None
        return body.get("role"), body.get("state")

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                return int(f.readline())
        except (OSError, ValueError):
            return None

    def kill(self):
        """SIGKILL of both patroni and postgres, as a machine lost would be."""
        pid = self.postmaster_pid()
        self.proc.kill()
        self.proc.wait()
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        # Its children (walsender, checkpointer...) go with the postmaster.
        time.sleep(0.5)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        pid = self.postmaster_pid()
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class Cluster:
    def __init__(self, work, etcd):
        scope = "dsr-" + uuid.uuid4().hex[:8]
        self.nodes = [PatroniNode(work, f"pg{i}", etcd.client_port, scope) for i in (1, 2)]

    def conninfo(self, dbname):
        hosts = ",".join("127.0.0.1" for _ in self.nodes)
        ports = ",".join(str(n.pg_port) for n in self.nodes)
        return (f"host={hosts} port={ports} dbname={dbname} user=postgres "
                f"target_session_attrs=read-write connect_timeout=2")

    def leader(self):
        for n in self.nodes:
            r = n.role()
            if r and r[0] in ("master", "primary") and r[1] == "running":
                return n
        return None

    def wait_healthy(self, timeout, why):
        """A primary and a synchronous standby streaming from it."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            leader = self.leader()
            if leader:
                status, body = http_call(leader.api_port, "GET", "/cluster", timeout=2)
                members = (body or {}).get("members", [])
                if any(m.get("role") == "sync_standby" and m.get("state") in ("running", "streaming")
                       for m in members):
                    return leader
            time.sleep(0.5)
        raise SystemExit(f"ha: the cluster was not healthy within {timeout} s ({why}); see the pg*.log files")

    def psql(self, sql, dbname="postgres"):
        out = subprocess.run([f"{PG_BIN}/psql", self.conninfo(dbname), "-Atqc", sql],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise SystemExit(f"ha: psql failed: {sql}: {out.stderr}")
        return out.stdout.strip()

    def stop(self):
        for n in self.nodes:
            n.stop()


class DsrNode:
    def __init__(self, work, dsr, name, db, key):
        self.work, self.dsr, self.name = work, dsr, name
        self.port = free_port()
        self.args = [dsr, "serve", "--listen", f"127.0.0.1:{self.port}", "--db", db, "--key-file", key,
                     "--message-sink", "dir:" + work.path("outbox"), "--public-rate", "0", "--threads", "2",
                     "--retry-delay", "1s", "--checkpoint-interval", "5s", "--quiet"]
        self.proc = None
        self.start()

    def start(self):
        log = open(self.work.path(self.name + ".err"), "a")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=log, cwd=self.work.dir)

    def wait_ready(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status, _ = http_call(self.port, "GET", "/readyz", timeout=2)
            if status == 200:
                return
            if self.proc.poll() is not None:
                raise SystemExit(f"ha: dsr {self.name} exited; see " + self.work.path(self.name + ".err"))
            time.sleep(0.2)
        raise SystemExit(f"ha: dsr {self.name} not ready within {timeout} s")

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


class Ledger:
    """What the nodes acknowledged (a 2xx), from every client thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.filed = {}        # idempotency key -> request id
        self.events = {}       # request id -> events acknowledged
        self.filed_at = []     # times of acknowledged filings
        self.unanswered = 0    # attempts that got no 2xx (retried)

    def record_filing(self, key, request_id):
        with self.lock:
            if key in self.filed and self.filed[key] != request_id:
                raise SystemExit(f"ha: key {key} answered with two ids: {self.filed[key]} and {request_id}")
            self.filed[key] = request_id
            self.events.setdefault(request_id, []).append("submit")
            self.filed_at.append(time.time())

    def record_event(self, request_id, event):
        with self.lock:
            self.events[request_id].append(event)


def client(nodes, staff, ledger, stop, seed):
    rnd = random.Random(seed)

    def any_node():
        return rnd.choice(nodes).port

    while not stop.is_set():
        key = str(uuid.uuid4())
        body = {"type": rnd.choice(["access", "erasure"]), "subject": new_subject()}
        # On file first, as the personnel system keeps them: dsr writes to the
        # address on record only (a filing must not tell whether its subject
        # is on file), so the receipt owed below goes there. PUT is
        # idempotent: the same until a node answers 2xx.
        subject = body["subject"]
        while not stop.is_set():
            status, _ = http_call(any_node(), "PUT", f"/v1/subjects/{subject['nik']}",
                                  {"name": subject["name"], "email": subject["email"]},
                                  {"Authorization": "Bearer " + staff["system"]})
            if status in (200, 201):
                break
            time.sleep(0.1)
        if stop.is_set():
            return
        request_id = None
        # The same key until a node answers 2xx: a retry is never a second request.
        while request_id is None:
            status, answer = http_call(any_node(), "POST", "/v1/requests", body, {"Idempotency-Key": key})
            if status in (200, 201):
                request_id = answer["id"]
            else:
                with ledger.lock:
                    ledger.unanswered += 1
                time.sleep(0.1)
        ledger.record_filing(key, request_id)
        if rnd.random() < 0.5:
            continue
        version = 1
        for event, token in (("verify_manually", staff["verifier"]), ("approve", staff["reviewer"]),
                             ("fulfil", staff["reviewer"])):
            if stop.is_set():
                return
            status, answer = http_call(any_node(), "POST", f"/v1/requests/{request_id}/transitions",
                                       {"event": event, "version": version},
                                       {"Authorization": "Bearer " + token})
            if status != 200:
                break  # unacknowledged: this request is left where it is
            ledger.record_event(request_id, event)
            version = answer["version"]


def filing_rate(nodes, seconds, token_free=True):
    """Filings per second from 8 connections spread over `nodes`."""
    done = [0]
    lock = threading.Lock()
    end = time.time() + seconds

    def run(i):
        while time.time() < end:
            status, _ = http_call(nodes[i % len(nodes)].port, "POST", "/v1/requests",
                                  {"type": "access", "subject": SUBJECT}, {"Idempotency-Key": str(uuid.uuid4())})
            if status == 201:
                with lock:
                    done[0] += 1
    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / seconds


def delivered(outbox):
    """{request id: {template: deliveries}} from the dir: sink's files."""
    out = {}
    for name in os.listdir(outbox):
        if name.startswith(".") or not name.endswith(".json"):
            continue
        for template in ("request_received", "result_ready"):
            at = name.find(f"-{template}-")
            if at < 0:
                continue
            start = name.find("-")
            request = name[start + 1:at]
            counts = out.setdefault(request, {})
            counts[template] = counts.get(template, 0) + 1
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsr", required=True)
    ap.add_argument("--failovers", type=int, default=2)
    ap.add_argument("--node-kills", type=int, default=2)
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--keep", action="store_true", help="leave the directory for a post-mortem")
    args = ap.parse_args()
    for tool in ("etcd", "patroni"):
        if not shutil.which(tool):
            print(f"ha: {tool} is missing; run scripts/setup", file=sys.stderr)
            return 1 if os.environ.get("DSR_REQUIRE_HA") == "1" else 77
    dsr = os.path.abspath(args.dsr)
    work = Work()
    etcd = cluster = None
    dsr_nodes = []
    ok = False
    try:
        etcd = Etcd(work)
        cluster = Cluster(work, etcd)
        t0 = time.time()
        leader = cluster.wait_healthy(120, "bootstrap")
        say(f"cluster up in {time.time() - t0:.1f} s, primary {leader.name}")
        cluster.psql("CREATE DATABASE dsr")
        # On every node before dsr connects: libpq does not try the next host
        # of a connection string after a server refused the login.
        for n in cluster.nodes:
            deadline = time.time() + 30
            while subprocess.run([f"{PG_BIN}/psql", f"host=127.0.0.1 port={n.pg_port} dbname=dsr user=postgres",
                                  "-Atqc", "SELECT 1"], capture_output=True).returncode != 0:
                if time.time() > deadline:
                    raise SystemExit(f"ha: database dsr did not reach {n.name} within 30 s")
                time.sleep(0.2)
        db = cluster.conninfo("dsr")
        key = work.path("master.key")
        with open(key, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(key, 0o600)
        # One node first: it makes the schema and records the key.
        dsr_nodes.append(DsrNode(work, dsr, "dsr1", db, key))
        dsr_nodes[0].wait_ready(60)
        dsr_nodes.append(DsrNode(work, dsr, "dsr2", db, key))
        dsr_nodes[1].wait_ready(60)
        staff = {}
        for role, name in (("verifier", "vera"), ("reviewer", "rudi"), ("auditor", "aulia"), ("system", "ams")):
            out = subprocess.run([dsr, "token", "create", "--role", role, "--name", name, "--db", db,
                                  "--key-file", key], capture_output=True, text=True, check=True)
            staff[role] = out.stdout.strip()

        rate_one = filing_rate(dsr_nodes[:1], 5)
        rate_two = filing_rate(dsr_nodes, 5)
        say(f"filings/s: one dsr node {rate_one:.0f}, two {rate_two:.0f}")

        ledger = Ledger()
        stop = threading.Event()
        clients = [threading.Thread(target=client, args=(dsr_nodes, staff, ledger, stop, i))
                   for i in range(args.clients)]
        for c in clients:
            c.start()
        time.sleep(3)

        outages = []
        readyz_refused = 0  # answers 503 while no primary was reachable
        for round_ in range(max(args.failovers, args.node_kills)):
            if round_ < args.failovers:
                old = cluster.leader() or cluster.wait_healthy(120, "before a failover")
                before = len(ledger.filed_at)
                killed_at = time.time()
                old.kill()
                say(f"failover {round_ + 1}: killed the primary {old.name}")
                # Back as a standby once the other is promoted: with
                # synchronous_mode_strict, writes wait for a synchronous standby.
                deadline = time.time() + 120
                while not (cluster.leader() and cluster.leader() is not old):
                    if time.time() > deadline:
                        raise SystemExit("ha: no promotion within 120 s")
                    # Meanwhile no node can write: /readyz must say so.
                    if http_call(dsr_nodes[round_ % 2].port, "GET", "/readyz", timeout=3)[0] == 503:
                        readyz_refused += 1
                    time.sleep(0.2)
                promoted = time.time()
                old.start()
                cluster.wait_healthy(180, "the old primary rejoining")
                while len(ledger.filed_at) == before:
                    if time.time() > killed_at + 180:
                        raise SystemExit("ha: no filing acknowledged within 180 s of the failover")
                    time.sleep(0.05)
                time.sleep(1)
                # The unavailability: the longest time without an acknowledged
                # filing from the kill until filings flow again.
                with ledger.lock:
                    times = sorted(t for t in ledger.filed_at if t >= killed_at)
                gaps = [b - a for a, b in zip([killed_at] + times, times)]
                outages.append(max(gaps))
                say(f"failover {round_ + 1}: promoted after {promoted - killed_at:.1f} s; no filing answered for "
                    f"{max(gaps):.1f} s")
                time.sleep(2)
            if round_ < args.node_kills:
                victim = dsr_nodes[round_ % 2]
                victim.kill()
                say(f"node kill {round_ + 1}: SIGKILL of {victim.name}")
                time.sleep(1)
                victim.start()
                victim.wait_ready(60)
                time.sleep(2)
        stop.set()
        for c in clients:
            c.join()

        # Every acknowledged filing and transition, exactly once.
        ids = list(ledger.filed.values())
        problems = []
        if len(set(ids)) != len(ids):
            problems.append("two idempotency keys were answered with one request id")
        lost = 0
        auditor = {"Authorization": "Bearer " + staff["auditor"]}
        for request_id, events in ledger.events.items():
            status, body = http_call(dsr_nodes[0].port, "GET", f"/v1/requests/{request_id}/events", headers=auditor,
                                     timeout=30)
            if status != 200:
                lost += 1
                problems.append(f"request {request_id} acknowledged, now {status}")
                continue
            stored = [e["event"] for e in body["items"]]
            for event in events:
                if stored.count(event) != 1:
                    lost += 1
                    problems.append(f"request {request_id}: event {event} stored {stored.count(event)} times")
        requests = int(cluster.psql("SELECT COUNT(*) FROM requests", "dsr"))
        keyed = int(cluster.psql("SELECT COUNT(*) FROM idempotency_keys", "dsr"))
        if requests != keyed:
            problems.append(f"{requests} requests but {keyed} idempotency keys: a filing was stored twice or "
                            "without its key")

        # The audit log: every entry placed, then dsr audit verify.
        deadline = time.time() + 60
        while int(cluster.psql("SELECT COUNT(*) FROM journal WHERE seq IS NULL", "dsr")) > 0:
            if time.time() > deadline:
                problems.append("journal entries still unsequenced after 60 s")
                break
            time.sleep(0.5)
        audit = subprocess.run([dsr, "audit", "verify", "--db", db, "--key-file", key], capture_output=True,
                               text=True)
        say("dsr audit verify: " + (audit.stdout + audit.stderr).strip())
        if audit.returncode != 0:
            problems.append("dsr audit verify failed")

        # A token revoked through one node is refused by the other within 5 s.
        made = subprocess.run([dsr, "token", "create", "--role", "auditor", "--name", "leaver", "--db", db,
                               "--key-file", key], capture_output=True, text=True, check=True)
        leaver, leaver_id = made.stdout.strip(), made.stderr.split()[3]
        if http_call(dsr_nodes[1].port, "GET", "/v1/requests?limit=1",
                     headers={"Authorization": "Bearer " + leaver})[0] != 200:
            problems.append("a new token was not accepted")
        subprocess.run([dsr, "token", "revoke", leaver_id, "--db", db, "--key-file", key], capture_output=True,
                       check=True)
        revoked_at = time.time()
        refused_after = None
        while time.time() < revoked_at + 10:
            status, _ = http_call(dsr_nodes[1].port, "GET", "/v1/requests?limit=1",
                                  headers={"Authorization": "Bearer " + leaver})
            if status == 401:
                refused_after = time.time() - revoked_at
                break
            time.sleep(0.1)
        if refused_after is None or refused_after > 5:
            problems.append(f"a revoked token was still accepted by another node after {refused_after or 10} s")

        # Every receipt and result message, at least once.
        fulfilled = {r for r, ev in ledger.events.items() if "fulfil" in ev}
        deadline = time.time() + 60
        while True:
            got = delivered(work.path("outbox"))
            missing = [r for r in ledger.events if "request_received" not in got.get(r, {})]
            missing += [r for r in fulfilled if "result_ready" not in got.get(r, {})]
            if not missing or time.time() > deadline:
                break
            time.sleep(0.5)
        if missing:
            problems.append(f"{len(missing)} messages owed were never delivered, e.g. to request {missing[0]}")
            # What the database says of the first few, for the post-mortem.
            mark = cluster.psql("SELECT convert_from(value, 'UTF8') FROM meta WHERE key = 'receipts_through'", "dsr")
            say(f"receipts are marked sent through position {mark}")
            for r in missing[:5]:
                first = cluster.psql(f"SELECT seq FROM journal WHERE request_id = '{r}' AND request_seq = 1", "dsr")
                rows = cluster.psql(f"SELECT kind, status, attempts, claimed_by, last_error FROM outbox "
                                    f"WHERE request_id = '{r}'", "dsr")
                events = [e for e in ledger.events.get(r, [])]
                say(f"missing {r}: got {got.get(r, {})}, acknowledged {events}, first entry at position {first}, "
                    f"outbox rows: {rows or 'none'}")
        duplicates = sum(n - 1 for counts in got.values() for n in counts.values() if n > 1)

        if args.failovers and readyz_refused == 0:
            problems.append("/readyz never answered 503 while the cluster had no primary")
        figures = {
            "acknowledged_filings": len(ids),
            "acknowledged_transitions": sum(len(e) - 1 for e in ledger.events.values()),
            "acknowledged_writes_lost": lost,
            "unanswered_attempts_retried": ledger.unanswered,
            "duplicate_deliveries": duplicates,
            "failovers": len(outages),
            "unavailability_seconds_median": round(statistics.median(outages), 1) if outages else None,
            "unavailability_seconds_worst": round(max(outages), 1) if outages else None,
            "unavailability_seconds": [round(o, 1) for o in outages],
            "readyz_503_during_failovers": readyz_refused,
            "dsr_node_kills": args.node_kills,
            "revoked_token_refused_after_seconds": round(refused_after, 1) if refused_after else None,
            "filings_per_second_one_node": round(rate_one),
            "filings_per_second_two_nodes": round(rate_two),
        }
        for p in problems[:20]:
            say("FAILED: " + p)
        print(json.dumps(figures), flush=True)
        ok = not problems
        return 0 if ok else 1
    finally:
        for n in dsr_nodes:
            n.stop()
        if cluster:
            cluster.stop()
        if etcd:
            etcd.stop()
        if not ok:  # what the logs said last, for the post-mortem
            for name in sorted(os.listdir(work.dir)):
                if name.endswith((".log", ".err")):
                    with open(work.path(name), errors="replace") as f:
                        tail = f.readlines()[-15:]
                    say(f"--- the end of {name}:\n" + "".join(tail))
        if args.keep:
            say(f"the test's files are in {work.dir}")
        else:
            shutil.rmtree(work.dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
