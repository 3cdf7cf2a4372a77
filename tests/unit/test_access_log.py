"""The access log never keeps the secret of an emailed link."""
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from timebank.access_log import RedactingLogger, redact


def test_secret_links_are_redacted_and_other_paths_kept():
    assert redact("GET /password/reset/Zq9-x_y HTTP/1.1") == "GET /password/reset/<secret> HTTP/1.1"
    assert redact("/invitation/abc123?next=/") == "/invitation/<secret>?next=/"
    assert redact("/password/reset") == "/password/reset"
    assert redact("/exchanges/12") == "/exchanges/12"


def test_the_gunicorn_logger_writes_no_secret_in_any_atom():
    secret = "s3cr3t-Token_value"
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": f"/password/reset/{secret}", "PATH_INFO": f"/password/reset/{secret}",
        "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": "", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://timebank.example/invitation/{secret}",
    }
    response = SimpleNamespace(status="303 SEE OTHER", headers=[("Location", "/password/reset")], sent=0)
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = RedactingLogger(Config()).atoms(response, request, environ, timedelta(milliseconds=3))
    assert atoms["r"] == "GET /password/reset/<secret> HTTP/1.1"
    assert not [key for key, value in atoms.items() if secret in str(value)]
