"""Every response carries the security headers (`timebank/__init__.py`,
`_register_security_headers`): over every GET route of the URL map, with the demo loaded, signed
out and signed in, under the testing config and under the production config, which adds
Strict-Transport-Security (ASVS 3.4.1; ZAP passive rules 10020, 10021, 10035, 10038, 10015).
"""
import re

import pytest
from routes_support import MEMBER_EMAIL, demo_url_values, routes, seeded_demo_app, signed_in, urls_for
from werkzeug.routing import IntegerConverter

import config
from timebank import create_app
from timebank.extensions import db

HSTS = "max-age=31536000; includeSubDomains"
#: What the CSP must hold (ASVS names these three).
CSP_PARTS = ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("headers")
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    app = seeded_demo_app(url)
    with app.app_context():
        urls = get_urls(app)
    yield app, url, urls, folder
    with app.app_context():
        db.engine.dispose()


def get_urls(app) -> list[str]:
    values = demo_url_values()
    gets = [rule for rule, method in routes(app) if method == "GET"]
    for rule in gets:  # a route newer than the demo's values still gets its headers checked
        for name, converter in rule._converters.items():
            if not values.get(name):
                values[name] = [1] if isinstance(converter, IntegerConverter) else ["not-a-real-value"]
    with app.test_request_context():
        return [url for rule in gets for url in urls_for(app, rule, values)]


def production_app(url: str, folder):
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "production-test-" + "x" * 32,
        "RATELIMIT_STORAGE_URI": "memory://",
        "TASK_QUEUE_URL": f"sqlite:///{folder / 'tasks.sqlite'}",
        "MAIL_BACKEND": "memory",
        "RATELIMIT_ENABLED": False,
    }
    return create_app(type("ProductionTest", (config.Production,), settings))


def assert_headers(response, url: str, *, hsts: bool) -> None:
    headers = response.headers
    where = f"GET {url} ({response.status_code})"
    csp = headers.get("Content-Security-Policy", "")
    assert all(part in csp for part in CSP_PARTS), f"{where}: CSP {csp!r}"
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert headers.get("X-Frame-Options") == "DENY", where
    if not url.startswith("/static/"):
        assert "no-store" in headers.get("Cache-Control", ""), f"{where}: Cache-Control {headers.get('Cache-Control')!r}"
    if hsts:
        assert headers.get("Strict-Transport-Security") == HSTS, where
    else:
        assert "Strict-Transport-Security" not in headers, f"{where}: HSTS only in production"


def walk(clients: dict, urls: list[str], *, hsts: bool, base_url: str = "http://localhost") -> int:
    seen = 0
    for who, client in clients.items():
        for url in [*urls, "/no-such-page", "/api/v1/no-such-thing"]:
            response = client.get(url, base_url=base_url)
            response.close()
            assert response.status_code < 500, f"{who} GET {url}: {response.status_code}"
            assert_headers(response, url, hsts=hsts)
            seen += 1
    return seen


def test_every_route_carries_the_security_headers(demo):
    app, _url, urls, _folder = demo
    password = app.config["DEMO_PASSWORD"]
    clients = {"nobody": app.test_client()}
    for who in ("member01", "coordinator", "funder"):
        clients[who] = signed_in(app, f"{who}@demo.example", password)
    assert walk(clients, urls, hsts=False) > 3 * len(urls)


def test_production_adds_hsts_to_every_route(demo):
    app, url, urls, folder = demo
    production = production_app(url, folder)
    assert production.config["SESSION_COOKIE_SECURE"] is True
    member = production.test_client()
    page = member.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # CSRF is on in production
    data = {"email": MEMBER_EMAIL, "password": app.config["DEMO_PASSWORD"], "csrf_token": token}
    signed = member.post("/login", data=data, base_url="https://localhost", headers={"Referer": "https://localhost/login"})
    assert signed.status_code == 302
    clients = {"nobody": production.test_client(), "member01": member}
    assert walk(clients, urls, hsts=True, base_url="https://localhost") > len(urls)
    with production.app_context():
        db.engine.dispose()
