"""How heavy and how quick is each member page on a phone on slow 3G?

Seeds a small demo community into a fresh SQLite file in bench/results/ (`flask --app wsgi db
upgrade` and `demo seed`, plus an exchange waiting each way, two listings and a message for
member01 so that no page is empty), serves it with gunicorn on a free port of 127.0.0.1 as
users would have it (TIMEBANK_ENV=production), signs in as member01@demo.example, and for every
member page prints:

- the gzipped weight of everything the page fetches (HTML + CSS + JS) and its share of the
  20 KB budget, and what actually crossed the wire (the app does not compress; a reverse proxy
  may);
- the median, over cold loads in a fresh 360x740 phone context each, of the time to first
  contentful paint and to the load event: unthrottled (the in-run reference) and with Chrome's
  network emulation of slow 3G (400 kbps down and up, 400 ms round trip), and the ratio.

Chromium talks only to 127.0.0.1 (every other host name is made unresolvable).

    .venv/bin/python bench/member_pages.py [--runs 5] [--keep]
"""
import argparse
import gzip
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DB_PATH = RESULTS / "member-pages.sqlite"
BUDGET = 20 * 1024
EMAIL = "member01@demo.example"
PARTNER_EMAIL = "member02@demo.example"
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400 * 1000 / 8, "uploadThroughput": 400 * 1000 / 8}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # Nothing but the local server: every other host name fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
SECRET_KEY = secrets.token_hex(32)  # this run's server only
# First contentful paint can come after the load event (a frame later), so wait for it.
TIMING_JS = """() => new Promise(resolve => {
  const nav = performance.getEntriesByType('navigation')[0];
  const answer = paint => resolve([paint ? paint.startTime : null, nav.loadEventStart]);
  new PerformanceObserver(list => {
    const paint = list.getEntriesByName('first-contentful-paint')[0];
    if (paint) answer(paint);
  }).observe({type: 'paint', buffered: true});
  setTimeout(() => answer(performance.getEntriesByName('first-contentful-paint')[0]), 10000);
})"""


def app_env(url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "TIMEBANK_ENV": "production",
        "SECRET_KEY": SECRET_KEY,
        "MAIL_BACKEND": "none",
    }


def seed(url: str) -> dict:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = app_env(url)
    flask = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*flask, "demo", "seed", "--members", "20", "--exchanges", "300", "--seed", "1"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )
    return add_member_activity(url)


def add_member_activity(url: str) -> dict:
    """The demo seeds the ledger only: add what the member pages show beyond it, through the
    services, and return the ids of the exchange and listing pages to load."""
    os.environ.update({"SECRET_KEY": SECRET_KEY, "MAIL_BACKEND": "none"})  # before config is imported
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    import config
    from timebank import create_app
    from timebank.extensions import db
    from timebank.models import Account, ActivityCategory, Membership, User
    from timebank.services.exchanges.log import log_exchange
    from timebank.services.listings import create_listing

    app = create_app(type("Bench", (config.Production,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY}))
    with app.app_context():
        def member(email):
            membership = db.session.scalar(select(Membership).join(User).where(User.email == email))
            return membership, db.session.scalar(select(Account).where(Account.membership_id == membership.id))

        (me, my_account), (other, other_account) = member(EMAIL), member(PARTNER_EMAIL)
        today = me.community.today()
        activity = db.session.scalar(
            select(ActivityCategory.id).where(ActivityCategory.community_id == me.community_id).order_by(ActivityCategory.id)
        )
        common = {"occurred_on": today, "activity_id": activity}
        to_confirm, _ = log_exchange(other, gave=True, partner_account_id=my_account.id, minutes=90,
                                     note="Helped with the allotment", submission_id="bench-1", **common)
        log_exchange(me, gave=True, partner_account_id=other_account.id, minutes=60, note=None,
                     submission_id="bench-2", **common)
        request, _ = create_listing(other, type_="request", title="A lift to the clinic on Tuesdays",
                                    description="Mornings, about an hour, back by lunch.", category_id=activity,
                                    submission_id="bench-3")
        create_listing(me, type_="offer", title="Help with gardening", description="Weekends.", category_id=activity,
                       submission_id="bench-4")
        db.session.commit()
        ids = {"exchange": to_confirm.id, "listing": request.id}
        db.session.remove()
        db.engine.dispose()
    return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-b", f"127.0.0.1:{port}", "-w", "2", "wsgi:app"],
        cwd=ROOT, env=app_env(url), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped: " + server.stderr.read().decode()[-2000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise RuntimeError("gunicorn did not answer within 30 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def phone(browser, **options):
    return browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                               device_scale_factor=2, **options)


def sign_in(browser, base: str) -> dict:
    context = phone(browser)
    try:
        page = context.new_page()
        page.goto(f"{base}/login")
        page.get_by_label("Email address").fill(EMAIL)
        page.get_by_label("Password").fill("timebank-demo")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/")
        return context.storage_state()
    finally:
        context.close()


def load(browser, base: str, path: str, state: dict, throttled: bool) -> dict:
    """One cold load in a fresh context: timings, and the bytes of what it fetched."""
    context = phone(browser, storage_state=state)
    try:
        page = context.new_page()
        if throttled:
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        responses = []
        page.on("response", lambda r: responses.append(r))
        response = page.goto(base + path, wait_until="load")
        if response.status != 200 or response.url != base + path:
            raise RuntimeError(f"{path}: {response.status} at {response.url}")
        fcp, loaded = page.evaluate(TIMING_JS)
        fetched = {}
        for r in responses:
            if not r.url.startswith(base + "/"):
                raise RuntimeError(f"{path} fetched {r.url}, which is not the local server")
            body = r.body()
            fetched[r.url[len(base):]] = (len(body), len(gzip.compress(body, compresslevel=6)), r.headers.get("content-encoding"))
        return {"fcp": fcp, "load": loaded, "fetched": fetched}
    finally:
        context.close()


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold loads per page and network (median reported)")
    parser.add_argument("--keep", action="store_true", help="keep the database in bench/results/ afterwards")
    args = parser.parse_args()

    url = f"sqlite:///{DB_PATH}"
    print("seeding the demo community (20 members, 300 entries) ...", flush=True)
    ids = seed(url)
    pages = [
        "/", "/log", "/exchanges", f"/exchanges/{ids['exchange']}", "/statement", "/listings", "/listings/new",
        "/listings/mine", f"/listings/{ids['listing']}", "/profile", "/notifications", "/my-data",
    ]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(url, port)
    try:
        from playwright.sync_api import sync_playwright

        import config

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=config.CHROMIUM_PATH, args=CHROMIUM_ARGS)
            try:
                state = sign_in(browser, base)
                version = browser.version
                rows = []
                for path in pages:
                    for _ in range(2):  # warm up both workers (templates compiled, connections open)
                        load(browser, base, path, state, throttled=False)
                    fast = [load(browser, base, path, state, throttled=False) for _ in range(args.runs)]
                    slow = [load(browser, base, path, state, throttled=True) for _ in range(args.runs)]
                    rows.append((path, fast, slow))
                    print(f"  measured {path}", file=sys.stderr, flush=True)
            finally:
                browser.close()
    finally:
        stop(server)
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)

    print(f"\nMember pages of {EMAIL}: gunicorn (2 sync workers, TIMEBANK_ENV=production) on {base}, SQLite,")
    print(f"Chromium {version} as a 360x740 phone; median of {args.runs} cold loads (fresh context each).")
    print(f"Slow 3G: Chrome DevTools network emulation, {SLOW_3G['latency']} ms round trip, "
          f"{SLOW_3G['downloadThroughput'] * 8 / 1000:.0f} kbps down and up. Fast: no emulation (the in-run reference).")
    print(f"Weight in bytes: HTML + CSS + JS gzipped (what a compressing proxy would send), its share of the "
          f"{BUDGET // 1024} KB budget, and the wire bytes as the app sends them.\n")
    header = (f"{'page':<16}{'html gz':>8}{'css+js':>7}{'total':>7}{'budget':>7}{'wire':>8}  {'FCP fast':>9}{'load fast':>10}"
              f"  {'FCP 3G':>8}{'load 3G':>9}  {'FCP x':>6}{'load x':>7}")
    print(header)
    print("-" * len(header))
    ratios = []
    for path, fast, slow in rows:
        fetched = fast[0]["fetched"]
        gz = sum(g for _, g, _ in fetched.values())
        html_gz = fetched[path][1]
        wire = sum(n for n, _, enc in fetched.values())  # bodies as sent (none is compressed by the app)
        fcp_fast, load_fast = median(r["fcp"] for r in fast), median(r["load"] for r in fast)
        fcp_slow, load_slow = median(r["fcp"] for r in slow), median(r["load"] for r in slow)
        ratios.append((fcp_slow / fcp_fast, load_slow / load_fast))
        label = path if len(path) <= 15 else path[:14] + "…"
        print(f"{label:<16}{html_gz:>8,}{gz - html_gz:>7,}{gz:>7,}{gz / BUDGET:>7.0%}{wire:>8,}  {fcp_fast:>7.0f}ms{load_fast:>8.0f}ms"
              f"  {fcp_slow:>6.0f}ms{load_slow:>7.0f}ms  {fcp_slow / fcp_fast:>6.1f}{load_slow / load_fast:>7.1f}")
    encodings = {enc or "none" for _, fast, _ in rows for _, _, enc in fast[0]["fetched"].values()}
    assets = sorted({k for path, fast, _ in rows for k in fast[0]["fetched"] if k != path})
    print("-" * len(header))
    print(f"fetched besides each page: {', '.join(assets)}; content-encoding: {', '.join(sorted(encodings))}")
    print(f"median ratio slow 3G / fast over all pages: FCP {statistics.median(r[0] for r in ratios):.1f}x, "
          f"load {statistics.median(r[1] for r in ratios):.1f}x")


if __name__ == "__main__":
    main()
