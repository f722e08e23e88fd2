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


def rollup_tables() -> dict:
    """Every rollup table's rows (without ids), to compare a refresh with a full rebuild."""
    from reports.analytics.models import (
        CollectionAhead,
        DistributorDay,
        DistributorMonth,
        OutletChange,
        OwnerMonth,
        TargetMonth,
    )

    return {
        model.__name__: sorted(
            (tuple(v for k, v in row.items() if k != "id") for row in model.objects.values()), key=repr
        )
        for model in (DistributorDay, DistributorMonth, CollectionAhead, TargetMonth, OutletChange, OwnerMonth)
    }


def owner_months_by_hand() -> dict:
    """{(rep, month): {column: value}}: the reps' month sums as ``OwnerMonth`` defines them, recomputed naively
    from the account month rows and plan targets of each rep's current accounts, the balance a running Σ
    (became_due − settled) over the rep's months."""
    from collections import defaultdict
    from decimal import Decimal

    from distributors.models import Distributor
    from reports.analytics.models import FLOW_FIELDS, TARGET_COLUMNS, DistributorMonth, TargetMonth

    owner_of = dict(Distributor.objects.values_list("pk", "owner_id"))
    sums: dict = defaultdict(lambda: defaultdict(lambda: Decimal(0)))
    for row in DistributorMonth.objects.values():
        cell = sums[(owner_of[row["distributor_id"]], row["month"])]
        for name in FLOW_FIELDS:
            cell[name] += row[name]
        cell["planned_sales_amount"] += row["sales_amount"] if row["planned"] else 0
        cell["planned_gross_profit"] += row["gross_profit"] if row["planned"] else 0
        cell["net"] += row["became_due"] - row["settled"]
    for row in TargetMonth.objects.filter(rep=None).values():
        cell = sums[(owner_of[row["distributor_id"]], row["month"])]
        for name in TARGET_COLUMNS:
            cell[f"target_{name}"] += row[name]
    result, running = {}, defaultdict(lambda: Decimal(0))
    for (owner, month), cell in sorted(sums.items(), key=lambda item: (item[0][0], item[0][1])):
        running[owner] += cell.pop("net", 0)
        names = (*FLOW_FIELDS, "planned_sales_amount", "planned_gross_profit", *(f"target_{n}" for n in TARGET_COLUMNS))
        result[(owner, month)] = {**{name: cell[name] for name in names}, "balance": running[owner]}
    return result


def owner_months_kept() -> dict:
    """``OwnerMonth`` as stored, in the shape of :func:`owner_months_by_hand`."""
    from reports.analytics.models import OwnerMonth

    return {
        (row.pop("owner_id"), row.pop("month")): row
        for row in OwnerMonth.objects.values(*(f.attname for f in OwnerMonth._meta.fields if f.name != "id"))
    }
