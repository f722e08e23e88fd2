"""End-to-end in real headless Chromium: a demo rep logs in on a phone and sees their home page."""

import re

import pytest
from playwright.sync_api import expect

from kamcrm.demo import accounts_org as accounts_demo
from kamcrm.demo.accounts_org import DEMO_PASSWORD
from tests.e2e import pages

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page, username):
    pages.log_in(page, username, DEMO_PASSWORD)


def test_demo_rep_logs_in_on_a_phone_and_switches_to_chinese(phone):
    accounts_demo.seed()  # the demo people are all this test needs
    log_in(phone, "rep_sh_1")
    expect(phone.locator("#home-greeting")).to_contain_text("Welcome")  # a rep's home page is My day (issue 13)
    expect(phone.locator("#home-role")).to_have_text("Sales rep")
    # On a phone the menu is collapsed behind the toggler; the language menu is inside it.
    phone.get_by_role("button", name="Toggle navigation").click()
    # Wait for the menu to finish opening (Bootstrap's collapse animates) before opening the language menu.
    expect(phone.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    phone.locator("#language-menu").click()
    expect(phone.get_by_role("button", name="简体中文")).to_be_visible()
    phone.get_by_role("button", name="简体中文").click()
    expect(phone.locator("#home-greeting")).to_contain_text("欢迎")
    expect(phone.locator("#home-role")).to_have_text("销售代表")
    # The rep has no organisation admin in the menu.
    assert phone.locator('a[href="/org/"]').count() == 0


def test_user_who_prefers_chinese_gets_it_right_after_login(phone):
    accounts_demo.seed()  # the demo people are all this test needs
    log_in(phone, "rm_south")  # a South China demo user who prefers Chinese
    expect(phone.locator("#home-role")).to_have_text("区域经理")
