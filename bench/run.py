#!/usr/bin/env python3
"""Benchmark of tectl's sync and search against epmm-sim on loopback.

Prints every figure beside its target, and the ratio to the curl + jq script or the floor,
all measured in the same run.

    python3 bench/run.py [--build build] [--devices 100000] [--index-devices 1000000]
"""
import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIELDS = ("common.uuid,common.id,common.status,common.platform,common.model,"
          "common.last_connected_at,user.user_id,android.afw_capable")
USER, PASSWORD = "bench@example.com", "bench-password"


def timed(argv, env=None, stdin=None):
    """Runs argv under /usr/bin/time; returns (seconds, peak RSS in MB, stdout)."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, env=env, stdin=stdin,
                       capture_output=True, text=True)
    seconds = time.perf_counter() - start
    rss_kb = int(p.stderr.strip().splitlines()[-1])
    return seconds, rss_kb / 1024, p.stdout, p.returncode


def best_of(n, argv, env=None):
    runs = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        runs.append(time.perf_counter() - start)
    return min(runs), statistics.median(runs)


def row(name, value, unit, target, ratio=None):
    ratio_text = "" if ratio is None else f"  ratio {ratio:.2f}"
    print(f"{name:<48} {value:>10.3f} {unit:<4} target {target}{ratio_text}", flush=True)


def start_sim(build, pki, work, devices):
    config = {"spaces": [{"id": 1, "name": "Global"}],
              "users": [{"user": USER, "password": PASSWORD,
                         "spaces": [{"id": 1, "device_read": True}]}],
              "devices": {"seed": 1, "generate": [{"space": 1, "count": devices}]}}
    path = os.path.join(work, "sim.json")
    with open(path, "w") as f:
        json.dump(config, f)
    sim = subprocess.Popen([os.path.join(build, "epmm-sim"), "--cert", f"{pki}/chain.pem", "--key",
                            f"{pki}/key.pem", "--config", path, "--lifetime", "1800",
                            "--log", os.path.join(work, "requests.jsonl")],
                           stdout=subprocess.PIPE, text=True)
    line = sim.stdout.readline()
    if "listening on" not in line:
        sys.exit("epmm-sim did not start: " + line)
    return sim, int(line.strip().rsplit(":", 1)[1])


def sim_requests(work):
    with open(os.path.join(work, "requests.jsonl")) as f:
        return sum(1 for _ in f)


def build_index(path, devices):
    """A device index of `devices` rows written directly, in tectl's schema (user_version 2)."""
    db = sqlite3.connect(path)
    db.executescript("""
        PRAGMA journal_mode=WAL;
        CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
        CREATE TABLE devices (uuid TEXT PRIMARY KEY NOT NULL, space_id INTEGER NOT NULL,
            space_name TEXT NOT NULL, platform TEXT NOT NULL, status TEXT NOT NULL,
            model TEXT NOT NULL, user_id TEXT NOT NULL, last_check_in TEXT NOT NULL,
            android_enterprise INTEGER, epmm_id INTEGER) WITHOUT ROWID;
        PRAGMA user_version=2;
    """)
    rng = random.Random(7)
    uuids = []

    def rows():
        for n in range(devices):
            u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            if n % (devices // 10000 or 1) == 0:
                uuids.append(u)
            yield (u, 1, "Global", "Android", "ACTIVE", "Pixel 8", f"user{n}",
                   "2026-01-01T00:00:00.000Z", 1, n)
    db.executemany("INSERT INTO devices VALUES (?,?,?,?,?,?,?,?,?,?)", rows())
    db.executemany("INSERT INTO meta VALUES (?, ?)",
                   [("last_sync", "2026-01-01T00:00:00Z"), ("device_count", str(devices)),
                    ("spaces", json.dumps([{"id": 1, "name": "Global", "devices": devices,
                                            "reported": devices}]))])
    db.commit()
    db.close()
    return uuids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--devices", type=int, default=100000)
    ap.add_argument("--index-devices", type=int, default=1000000)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    tectl = os.path.join(build, "tectl")

    work = tempfile.mkdtemp(prefix="tectl-bench-")
    pki = os.path.join(work, "pki")
    subprocess.run(["sh", os.path.join(ROOT, "sim", "make-test-ca.sh"), pki], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, TECTL_STATE_DIR=os.path.join(work, "state"), NO_COLOR="1")
    env.pop("TECTL_EPMM_PASSWORD", None)
    pwfile = os.path.join(work, "pw")
    with open(pwfile, "w") as f:
        f.write(PASSWORD)

    sim, port = start_sim(build, pki, work, args.devices)
    try:
        host = f"127.0.0.1:{port}"
        subprocess.run([tectl, "create", "--platform", "android", "--name", "bench"], env=env,
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([tectl, "configure", "bench", "--epmm-host", host, "--epmm-user", USER,
                        "--epmm-password-file", pwfile, "--cacert", f"{pki}/ca.pem",
                        "--space", "1"], env=env, check=True, stdout=subprocess.DEVNULL)
        print(f"inventory: {args.devices} devices in one space, simulator on {host}\n")

        # The floor: one curl process, one keep-alive connection, the same pages back to back,
        # asking for gzip as tectl does (the server compresses every page then). The floor
        # without compression is shown too: there the server does less work per page.
        pages = (args.devices + 199) // 200
        curl_config = os.path.join(work, "pages.curl")
        with open(curl_config, "w") as f:
            for p in range(pages):
                f.write(f'url = "https://{host}/api/v2/devices?adminDeviceSpaceId=1&query=&fields='
                        f'{FIELDS}&limit=200&offset={p * 200}&sortField=common.id&sortOrder=ASC"\n'
                        'output = "/dev/null"\n')
        curl_floor = ["curl", "-sS", "--cacert", f"{pki}/ca.pem", "-u", f"{USER}:{PASSWORD}",
                      "--config", curl_config]
        floor_s, _, _, _ = timed(curl_floor[:1] + ["--compressed", "-H", "Accept-Encoding: gzip"]
                                 + curl_floor[1:])
        plain_floor_s, _, _, _ = timed(curl_floor)

        before = sim_requests(work)
        sync_s, sync_mb, out, rc = timed([tectl, "sync", "bench", "--json"], env=env)
        if rc != 0:
            sys.exit("tectl sync failed")
        sync_requests = sim_requests(work) - before
        one_s, one_mb, _, rc = timed([tectl, "sync", "bench", "--connections", "1"], env=env)
        if rc != 0:
            sys.exit("tectl sync --connections 1 failed")

        script_env = dict(os.environ, EPMM_PASSWORD=PASSWORD)
        script_s, _, _, _ = timed(["bash", os.path.join(ROOT, "bench", "curl_jq_sync.sh"), host,
                                   USER, "1", f"{pki}/ca.pem", os.path.join(work, "script.jsonl")],
                                  env=script_env)

        row("sync (3 connections): requests", sync_requests, "", f"{pages} at limit 200")
        row("sync (3 connections): peak RSS", sync_mb, "MB", "< 50 MB")
        row("sync (3 connections): seconds", sync_s, "s", "")
        row("sync --connections 1: seconds", one_s, "s", "")
        row("sync --connections 1: peak RSS", one_mb, "MB", "< 50 MB")
        row("curl+jq script: seconds", script_s, "s", "", script_s / sync_s)
        row("  sync speed-up over the curl+jq script", script_s / sync_s, "x", ">= 20x")
        row("  sync --connections 1 speed-up", script_s / one_s, "x", ">= 20x")
        row("keep-alive floor (one curl, gzip as tectl): seconds", floor_s, "s", "")
        row("  sync time / floor", sync_s / floor_s, "x", "<= 1.5x")
        row("  sync --connections 1 time / floor", one_s / floor_s, "x", "<= 1.5x")
        row("keep-alive floor without compression: seconds", plain_floor_s, "s", "")
        row("  sync time / that floor", sync_s / plain_floor_s, "x", "(for comparison)")

        # Live search of 1,000 identifiers: requests.
        listing = json.loads(subprocess.run(
            ["curl", "-sS", "--cacert", f"{pki}/ca.pem", "-u", f"{USER}:{PASSWORD}",
             f"https://{host}/api/v2/devices?adminDeviceSpaceId=1&query=&fields=common.uuid"
             f"&limit=200&offset=5000"], capture_output=True, text=True).stdout)
        known = [d["common.uuid"] for d in listing["results"]]
        ids = known * 5
        ids = [str(uuid.UUID(int=i, version=4)) for i in range(1000 - len(known))] + known
        idfile = os.path.join(work, "ids-1000.txt")
        with open(idfile, "w") as f:
            f.write("\n".join(ids[:1000]) + "\n")
        before = sim_requests(work)
        subprocess.run([tectl, "search", "bench", "--file", idfile, "--json"], env=env,
                       stdout=subprocess.DEVNULL)
        row("live search of 1,000 identifiers: requests", sim_requests(work) - before, "",
            "<= 250")
    finally:
        sim.terminate()
        sim.wait()

    # Cached search in a 1,000,000-device index built directly.
    state = os.path.join(work, "state")
    doc = json.load(open(os.path.join(state, "state.json")))
    integration_id = doc["integrations"][0]["id"]
    index = os.path.join(state, "index", integration_id + ".sqlite")
    os.replace(index, index + ".synced")
    for suffix in ("-wal", "-shm"):
        if os.path.exists(index + suffix):
            os.remove(index + suffix)
    sample = build_index(index, args.index_devices)
    one_best, one_median = best_of(20, [tectl, "search", "bench", "--cached", sample[3]], env)
    row(f"search --cached, 1 id, {args.index_devices} devices (best)", one_best * 1000, "ms",
        "< 10 ms")
    row("  (median of 20)", one_median * 1000, "ms", "< 10 ms")
    idfile = os.path.join(work, "ids-10000.txt")
    with open(idfile, "w") as f:
        f.write("\n".join((sample * 2)[:10000]) + "\n")
    many_best, _ = best_of(3, [tectl, "search", "bench", "--cached", "--file", idfile], env)
    row("search --cached, 10,000 ids from a file", many_best, "s", "< 1 s")

    # Start-up.
    tv, _ = best_of(30, [tectl, "--version"], env)
    cv, _ = best_of(30, ["curl", "--version"], env)
    row("tectl --version (best of 30)", tv * 1000, "ms", "<= 2x curl --version")
    row("curl --version (best of 30)", cv * 1000, "ms", "", tv / cv)
    many_env = dict(env, TECTL_STATE_DIR=os.path.join(work, "state100"))
    for n in range(100):
        subprocess.run([tectl, "create", "--platform", "android", "--name", f"i{n:03}"],
                       env=many_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
    lb, lm = best_of(20, [tectl, "list", "--json"], many_env)
    row("tectl list --json, 100 integrations (best)", lb * 1000, "ms", "< 10 ms")
    row("  (median of 20)", lm * 1000, "ms", "< 10 ms")
    print(f"\nwork directory: {work}")


if __name__ == "__main__":
    main()
