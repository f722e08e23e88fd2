"""The web server's settings (kamcrm/gunicorn_conf.py), loaded as gunicorn loads them, and what starts the web with
them."""

import gc
import sys
from pathlib import Path

import pytest
from gunicorn.app.wsgiapp import WSGIApplication

ROOT = Path(__file__).resolve().parent.parent


def _loaded(monkeypatch, *argv, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(sys.modules, "kamcrm.gunicorn_conf", raising=False)  # read the environment afresh
    monkeypatch.setattr("sys.argv", ["gunicorn", "--config", "python:kamcrm.gunicorn_conf", *argv, "kamcrm.wsgi"])
    app = WSGIApplication()
    app.cfg.settings["on_starting"].get()(type("Server", (), {"cfg": app.cfg})())
    return app.cfg


@pytest.mark.parametrize(
    ("env", "argv", "workers", "threads"),
    [
        ({}, (), 2, 5),
        ({"WEB_WORKERS": "3", "WEB_THREADS": "4"}, (), 3, 4),
        ({"WEB_THREADS": "4"}, ("--threads", "7", "--workers", "5"), 5, 7),
    ],
)
def test_each_worker_takes_a_connection_only_while_it_has_a_thread_free(monkeypatch, env, argv, workers, threads):
    """Keep-alive off and no more connections than threads: requests wait in one queue, in arrival order, for the
    first free thread, whichever worker it is in."""
    cfg = _loaded(monkeypatch, *argv, **env)
    assert cfg.worker_class_str == "gthread"
    assert (cfg.workers, cfg.threads) == (workers, threads)
    assert cfg.keepalive == 0
    assert cfg.worker_connections == threads
    assert cfg.timeout == 120  # confirming a 5,000-row import runs inside one request


def test_connections_kept_alive_on_request_keep_their_own_limit(monkeypatch):
    cfg = _loaded(monkeypatch, "--keep-alive", "2", "--worker-connections", "1000")
    assert (cfg.keepalive, cfg.worker_connections) == (2, 1000)


def test_a_worker_puts_what_it_loaded_out_of_the_collectors_reach(monkeypatch):
    cfg = _loaded(monkeypatch)
    thresholds, frozen = gc.get_threshold(), gc.get_freeze_count()
    try:
        cfg.post_worker_init(None)
        assert gc.get_freeze_count() > frozen
        assert gc.get_threshold()[0] > thresholds[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


@pytest.mark.parametrize("path", ["Procfile", "docker-compose.yml", "Dockerfile"])
def test_every_way_to_start_the_web_uses_these_settings(path):
    text = (ROOT / path).read_text()
    assert "gunicorn" in text
    assert "python:kamcrm.gunicorn_conf" in text
    assert "--workers" not in text  # sized by WEB_WORKERS / WEB_THREADS
