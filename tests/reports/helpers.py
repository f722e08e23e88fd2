import json
import os
import subprocess
import sys
from datetime import datetime, time, timedelta
from html.parser import HTMLParser
from pathlib import Path

from django.utils import timezone


def earlier_today() -> tuple[datetime, datetime]:
    """A start and end earlier today in the local time zone — also right after local midnight."""
    now = timezone.localtime()
    midnight = timezone.make_aware(datetime.combine(now.date(), time.min))
    start = max(midnight, now - timedelta(hours=1))
    return start, max(start, now - timedelta(minutes=1))


class _FormReader(HTMLParser):
    """What a browser would submit for the form with ``form_id`` as the page shows it (no clicks)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.template = form_id, False, 0
        self.data: list[tuple[str, str]] = []
        self.labelled: set[str] = set()
        self.in_label = 0
        self.controls: list[dict] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        if tag == "template":
            self.template += 1
        if self.template:
            return
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.labelled.add(a["for"])
        if tag in ("input", "select", "textarea"):
            self.controls.append({"tag": tag, "wrapped_in_label": self.in_label > 0, **a})
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("file", "submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.append((name, a.get("value", "on")))
            else:
                self.data.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            key, value = self.data[-1]
            self.data[-1] = (key, value + data)

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "template":
            self.template -= 1
        elif tag == "label" and not self.template:
            self.in_label -= 1
        elif tag == "select" and self._select:
            chosen = [v for v, sel in self._options if sel] or [v for v, _sel in self._options[:1]]
            self.data.append((self._select, chosen[0] if chosen else ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            key, value = self.data[-1]
            self.data[-1] = (key, value[1:] if value.startswith("\n") else value)  # as a browser reads it
            self._textarea = None
        elif tag == "form":
            self.inside = False


def read_form(html: str, form_id: str) -> _FormReader:
    reader = _FormReader(form_id)
    reader.feed(html)
    return reader


def form_post_data(html: str, form_id: str) -> dict[str, list[str]]:
    """The form's values as ``Client.post`` takes them (lists for repeated names)."""
    data: dict[str, list[str]] = {}
    for name, value in read_form(html, form_id).data:
        data.setdefault(name, []).append(value)
    return data


def run_on_sqlite(tmp_path, module: str, *args: str) -> dict:
    """Run ``python -m <module> <args>`` on a fresh SQLite file under ``tmp_path`` with the real settings (the suite
    itself runs on PostgreSQL; no Redis: the embedded defaults) and return the JSON object it prints last."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'kamcrm.sqlite3'}",
        KAMCRM_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="kamcrm.settings.test",
        LOG_LEVEL="ERROR",
    )
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
