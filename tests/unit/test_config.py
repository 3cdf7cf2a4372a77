"""config.py reads the environment when an app is made, never when it is imported."""
import importlib.util
import os
from collections.abc import MutableMapping
from pathlib import Path

import config


class Watched(MutableMapping):
    """os.environ, remembering every variable looked up."""

    def __init__(self, environ):
        self.environ, self.read = environ, []

    def __getitem__(self, key):
        self.read.append(key)
        return self.environ[key]

    def __setitem__(self, key, value):
        self.environ[key] = value

    def __delitem__(self, key):
        del self.environ[key]

    def __iter__(self):
        return iter(self.environ)

    def __len__(self):
        return len(self.environ)


def fresh_import(name="config_probe"):
    spec = importlib.util.spec_from_file_location(name, config.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_importing_config_reads_and_writes_nothing(monkeypatch):
    watched = Watched(os.environ)
    monkeypatch.setattr(os, "environ", watched)

    def refuse(*args, **kwargs):
        raise AssertionError("config.py wrote a file at import")

    monkeypatch.setattr(Path, "write_text", refuse)
    monkeypatch.setattr(Path, "mkdir", refuse)
    fresh_import()
    assert watched.read == []


def test_settings_are_read_when_looked_up(monkeypatch):
    probe = fresh_import()
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("MAIL_USE_TLS", "1")
    monkeypatch.setenv("REQUIRE_POSTGRES", "1")
    assert probe.Config.MAIL_PORT == 2525 and probe.Config.MAIL_USE_TLS is True
    assert probe.REQUIRE_POSTGRES is True
    monkeypatch.setenv("MAIL_PORT", "")
    monkeypatch.delenv("MAIL_USE_TLS")
    assert probe.Config.MAIL_PORT == 25 and probe.Config.MAIL_USE_TLS is False
    # A subclass's own value wins over the environment, as the tests' config classes rely on.
    monkeypatch.setenv("DATABASE_URL", "sqlite:///from-the-environment.sqlite")
    assert type("Mine", (probe.Config,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"}).SQLALCHEMY_DATABASE_URI == "sqlite://"
    assert probe.Config.SQLALCHEMY_DATABASE_URI == "sqlite:///from-the-environment.sqlite"


def test_the_development_key_is_written_only_when_an_app_asks_for_it(monkeypatch, tmp_path):
    probe = fresh_import()
    monkeypatch.setattr(probe, "INSTANCE_DIR", tmp_path / "instance")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert not (tmp_path / "instance").exists()
    key = probe.Development.SECRET_KEY
    assert len(key) == 64 and (tmp_path / "instance" / "secret_key").read_text() == key
    assert probe.Development.SECRET_KEY == key  # kept, so sessions survive a restart
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert probe.Development.SECRET_KEY == "from-the-environment"
