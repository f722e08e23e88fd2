import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be allowed here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # No DNS lookups to the outside (closed network); the live server on 127.0.0.1 still resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if CHROMIUM is None:
        pytest.skip("No Chromium here (scripts/test installs Debian's chromium with apt-get where it can)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


@pytest.fixture
def phone(browser, live_server):
    """A page in a phone-sized window (360 px wide), as a rep uses it."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=live_server.url)
    yield context.new_page()
    context.close()


CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy")


@pytest.fixture(autouse=True)
def csp_violations(request):
    """Every page of every e2e test fails its test on a Content-Security-Policy violation (a console error).

    It wraps ``browser.new_context`` so pages made by any fixture or test are watched. The same wrapper blocks the
    service worker unless the test is marked ``service_worker``: the worker keeps fetching pages to cache them in
    the background, and a request still running in the live server when the test ends deadlocks the database
    flush of its teardown.
    """
    violations: list[str] = []
    if "browser" not in request.fixturenames:
        yield violations
        return
    browser = request.getfixturevalue("browser")
    original = browser.new_context

    def watch(message):
        if message.type == "error" and any(marker in message.text for marker in CSP_MARKERS):
            violations.append(message.text)

    wants_worker = request.node.get_closest_marker("service_worker") is not None

    def new_context(*args, **kwargs):
        if not wants_worker:
            kwargs.setdefault("service_workers", "block")
        context = original(*args, **kwargs)
        context.on("console", watch)
        return context

    browser.new_context = new_context
    try:
        yield violations
    finally:
        browser.new_context = original
    if not getattr(request.node, "csp_violation_expected", False):
        assert violations == [], violations
