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
