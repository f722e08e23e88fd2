"""The promise-to-pay ledger: outcomes from the payments that followed, escalation the day after a promise not
kept (once, however often the daily run goes), promise reliability, bad input and scope."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from receivables import reminders, selectors, services
from receivables.models import CollectionActivity, CollectionTask, ReminderSent


@pytest.fixture
def promise_made(org, cards, money, day, monkeypatch):
    """promise_made(amount, made=-10, due_in=-3, **fields): a promise logged ``made`` days ago for day ``due_in``."""

    def make(amount, *, made=-10, due_in=-3, distributor=None, by=None, **fields):
        with monkeypatch.context() as m:
            m.setattr(services, "today", lambda: day(made))
            return services.log_collection_activity(
                distributor=distributor or cards.a1,
                kind="promise",
                occurred_on=day(made),
                promised_on=day(due_in),
                promised_amount=D(amount),
                by=by or org.rep_a1,
                **fields,
            )

    return make


@pytest.mark.parametrize(
    ("paid", "paid_day", "state"),
    [
        (None, None, "broken"),
        ("40.00", -5, "partly_kept"),
        ("100.00", -3, "kept"),  # on the promised day
        ("150.00", -8, "kept"),
        ("100.00", -2, "broken"),  # the day after: too late for this promise
    ],
)
def test_the_ledger_shows_each_promise_with_its_outcome_from_the_payments_that_followed(
    org, cards, money, day, promise_made, api_for, paid, paid_day, state
):
    invoice = money.invoice(cards.a1, D("500.00"), day(-60), due=day(-30), number="P-1")
    promise = promise_made("100.00", promised_by="王总 (owner)", invoices=[invoice])
    if paid:
        money.pay(cards.a1, D(paid), day(paid_day), allocations=[])
    body = api_for(org.finance).get("/api/promises/", {"distributor": cards.a1.pk}).json()
    [row] = body["results"]
    assert (row["id"], row["state"], row["promised_by"], row["invoices"], row["by"]) == (
        promise.pk,
        state,
        "王总 (owner)",
        [invoice.pk],
        org.rep_a1.pk,
    )
    counted = D(paid) if paid and paid_day <= -3 else D("0")
    assert D(row["paid"]) == counted and D(row["short"]) == max(D("100") - counted, D("0"))
    # A running promise (its date not yet come) is neither kept nor broken.
    assert selectors.promises(on=day(-4)).get(pk=promise.pk).state == ("kept" if paid and paid_day <= -8 else "active")


def test_a_promise_not_kept_escalates_the_day_after_once_even_when_the_run_repeats(
    org, cards, money, day, levels, promise_made, client_for
):
    invoice = money.invoice(cards.a1, D("500.00"), day(-40), due=day(-10), number="P-ESC")
    other = money.invoice(cards.a1, D("70.00"), day(-40), due=day(-10), number="P-OTHER")
    reminders.send_overdue_reminders(run_date=day(-9))  # overdue_1 for both
    promise = promise_made("300.00", made=-7, due_in=-2, invoices=[invoice])
    money.pay(cards.a1, D("100.00"), day(-4), allocations=[])  # partly kept

    assert reminders.send_overdue_reminders(run_date=day(-2)).tasks == 0  # on the promised day: still running
    first = reminders.send_overdue_reminders(run_date=day(-1))
    again = reminders.send_overdue_reminders(run_date=day(-1))
    later = reminders.send_overdue_reminders(run_date=day(0))

    assert (first.tasks, again.tasks, later.tasks) == (1, 0, 0)
    # The promised invoice resumes at the next level (30 days) although only 9 days past due; the other is untouched.
    sent = ReminderSent.objects.filter(invoice=invoice, outcome="sent")
    assert sorted(sent.values_list("level__code", flat=True)) == ["overdue_1", "overdue_30"]
    assert list(ReminderSent.objects.filter(invoice=other, outcome="sent").values_list("level__code", flat=True)) == [
        "overdue_1"
    ]
    task = CollectionTask.objects.get(assigned_to=org.kam_a1)
    assert (task.amount, list(task.invoices.all())) == (D("200.00"), [invoice])
    promise.refresh_from_db()
    assert (promise.escalated_on, promise.escalation_task) == (day(-1), task)
    # The KAM finds the task on the worklist; the account's page shows the promise partly kept and escalated.
    assert "200.00" in client_for(org.kam_a1).get(reverse("receivables:worklist")).content.decode()
    page = client_for(org.finance).get(reverse("receivables:account", args=[cards.a1.pk])).content.decode()
    assert 'data-state="partly_kept"' in page and "P-ESC" in page


def test_a_kept_promise_does_not_escalate(org, cards, money, day, levels, promise_made):
    money.invoice(cards.a1, D("500.00"), day(-40), due=day(-10))
    promise_made("100.00", made=-7, due_in=-2)
    money.pay(cards.a1, D("100.00"), day(-3), allocations=[])
    assert reminders.escalate_broken_promises(run_date=day(0)) == 0
    assert not CollectionTask.objects.filter(assigned_to=org.kam_a1).exists()


def test_promise_reliability_is_kept_over_made_in_the_last_twelve_months(org, cards, money, day, promise_made, api_for):
    money.invoice(cards.a1, D("900.00"), day(-500), due=day(-480))
    promise_made("100.00", made=-40, due_in=-30)  # kept
    money.pay(cards.a1, D("100.00"), day(-31), allocations=[])
    promise_made("100.00", made=-20, due_in=-10)  # broken
    promise_made("50.00", made=-10, due_in=-5)  # partly kept: not kept
    money.pay(cards.a1, D("20.00"), day(-6), allocations=[])
    promise_made("100.00", made=-2, due_in=3)  # running: not counted
    promise_made("100.00", made=-420, due_in=-400)  # broken, but more than a year ago

    assert selectors.promise_reliability([cards.a1.pk, cards.a2.pk]) == {cards.a1.pk: D("0.3333"), cards.a2.pk: None}
    assert selectors.promise_reliability([cards.a1.pk], as_of=day(-15))[cards.a1.pk] == D("1.0000")
    answer = api_for(org.kam_a1).get(
        "/api/receivables/promise-reliability/", {"distributor": [cards.a1.pk, cards.b1.pk]}
    )
    assert answer.json() == {str(cards.a1.pk): "0.3333"}  # B1 is outside the KAM's scope: left out
    row = next(
        r for r in api_for(org.finance).get("/api/receivables/worklist/").json()["results"] if r["code"] == "A1-001"
    )
    assert row["promise_reliability"] == "0.3333"


def test_bad_promises_are_400s_and_save_nothing(org, cards, money, day, api_for):
    mine = money.invoice(cards.a1, D("300.00"), day(-40), due=day(-10))
    theirs = money.invoice(cards.a2, D("300.00"), day(-40), due=day(-10))
    api = api_for(org.rep_a1)

    def post(**changes):
        body = {
            "distributor": cards.a1.pk,
            "kind": "promise",
            "promised_on": day(3).isoformat(),
            "promised_amount": "100.00",
            "invoices": [mine.pk],
            **changes,
        }
        return api.post("/api/collection-activities/", body, format="json")

    cases = {
        "promised_on": post(promised_on=day(-1).isoformat()),
        "promised_amount": post(promised_amount="300.01"),
        "invoices": post(invoices=[theirs.pk]),  # another team's invoice: not even visible
        "distributor": post(distributor=cards.b1.pk, invoices=[]),
    }
    for field, response in cases.items():
        assert response.status_code == 400 and field in response.json(), (field, response.json())
    assert not CollectionActivity.objects.exists()
    # Finance may see both accounts: an invoice of another account is still refused.
    answer = api_for(org.finance).post(
        "/api/collection-activities/",
        {
            "distributor": cards.a1.pk,
            "kind": "promise",
            "promised_on": day(3).isoformat(),
            "promised_amount": "10.00",
            "invoices": [theirs.pk],
        },
        format="json",
    )
    assert answer.status_code == 400 and "invoices" in answer.json()
    assert post().status_code == 201


def test_the_ledger_is_scoped_and_the_page_form_links_several_invoices(org, cards, money, day, api_for, client_for):
    one = money.invoice(cards.a1, D("100.00"), day(-40), due=day(-10), number="P-A")
    two = money.invoice(cards.a1, D("200.00"), day(-40), due=day(-5), number="P-B")
    response = client_for(org.rep_a1).post(
        reverse("receivables:activity_new", args=[cards.a1.pk]),
        {
            "kind": "promise",
            "occurred_on": day(0).isoformat(),
            "promised_on": day(4).isoformat(),
            "promised_amount": "250.00",
            "promised_by": "Mr Li",
            "invoices": [one.pk, two.pk],
        },
    )
    assert response.status_code == 302
    promise = CollectionActivity.objects.get()
    assert set(promise.promise_invoices.all()) == {one, two} and promise.invoice == one
    assert api_for(org.rep_b1).get(f"/api/promises/{promise.pk}/").status_code == 404
    assert api_for(org.rep_b1).get("/api/promises/").json()["count"] == 0
    assert api_for(org.kam_a1).get(f"/api/promises/{promise.pk}/").json()["state"] == "active"


def test_a_broken_promise_notifies_the_owner_and_the_kam_once(org, cards, money, day, levels, promise_made):
    from accounts.models import Notification

    money.invoice(cards.a1, D("500.00"), day(-40), due=day(-10), number="P-N")
    promise = promise_made("300.00", made=-7, due_in=-2)
    for _ in range(2):  # the escalation's on-commit hook run again (a retried task)
        reminders.notify_promise_broken(promise_id=promise.pk)
    sent = Notification.objects.filter(kind="promise_broken")
    assert sorted(sent.values_list("recipient__username", flat=True)) == ["kam_a1", "rep_a1"]
    assert "300.00" in sent.first().params["amount"]
