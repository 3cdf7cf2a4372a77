"""gunicorn's access log, with the secrets of emailed links left out.

An invitation link (`/invitation/<token>`) and a password-reset link (`/password/reset/<secret>`)
carry their secret in the address. The reset page moves it into the session at once, but the
first request's line in an access log would still hold it, and the invitation page keeps it.
This logger writes every such path with the secret replaced by `<secret>`, wherever it appears
in a line (the request line, the path, the Referer). `make run` starts gunicorn with it
(`--logger-class timebank.access_log.RedactingLogger`); a proxy in front needs the same rule.
"""
import re

from gunicorn.glogging import Logger

SECRET_IN_PATH = re.compile(r"(/invitation/|/password/reset/)[^/?#\s\"]+")


def redact(text: str) -> str:
    return SECRET_IN_PATH.sub(r"\1<secret>", text)


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        return {key: redact(value) if isinstance(value, str) else value for key, value in super().atoms(resp, req, environ, request_time).items()}
