"""The one PDF renderer (WeasyPrint) of every printed document: customer card, plan, statement, period report.

Documents extend ``templates/_pdf_base.html`` (the house style). The HTML is self-contained and the URL fetcher
refuses everything but ``data:`` URLs, so rendering never reaches the network or the file system.

Why rendering stays fast for any text a user may store: WeasyPrint breaks a line by laying out the whole rest of a
run that has no break opportunity, once per line, so a 10,000-character run without spaces costs time that grows
with the square of its length; and a table with automatic layout measures every cell's text the same way to size
its columns. So the base template uses a fixed table layout (columns sized by the first row), and
:func:`render_pdf` puts a zero-width space (an invisible break opportunity) into every run of more than
``BREAK_EVERY`` characters without one — words of natural text are shorter, Chinese text breaks anywhere already.
"""

import re

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

BREAK_EVERY = 24
ZERO_WIDTH_SPACE = "\u200b"
# One character of text as it appears in the HTML: an entity (&amp;, &#39;) counts as one and is never split.
_CHARACTER = r"(?:&#?\w+;|[^\s<>&\u200b])"
_LONG_RUN = re.compile(f"{_CHARACTER}{{{BREAK_EVERY + 1},}}")
_ONE = re.compile(_CHARACTER)
_TEXT_NODE = re.compile(r"(?<=>)[^<]+")


def _split_run(match: re.Match) -> str:
    characters = _ONE.findall(match.group())
    return ZERO_WIDTH_SPACE.join(
        "".join(characters[i : i + BREAK_EVERY]) for i in range(0, len(characters), BREAK_EVERY)
    )


def breakable(html: str) -> str:
    """``html`` with a zero-width space every ``BREAK_EVERY`` characters of each long unbroken run of its body's
    text (tags, attributes and the ``<head>`` with its styles are left alone)."""
    head, tag, body = html.partition("<body")
    if not tag:
        return html
    return head + tag + _TEXT_NODE.sub(lambda node: _LONG_RUN.sub(_split_run, node.group()), body)


def render_pdf(*, template: str, context: dict, request: HttpRequest | None = None) -> bytes:
    """``template`` rendered with ``context`` as PDF bytes, in the active language (Chinese renders with the
    WenQuanYi Micro Hei font)."""
    # Imported here: WeasyPrint takes ~0.6 s to import, which every web and worker process would pay.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = breakable(render_to_string(template, context, request=request))
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    return HTML(string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher).write_pdf()


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string in which every character but ASCII letters and digits is a CSS escape.

    Names and translations can then never break out of the string, nor out of the ``<style>`` element.
    """
    return '"' + "".join(ch if ch.isascii() and ch.isalnum() else f"\\{ord(ch):06x}" for ch in text) + '"'


def css_content(text: str, *, counters: bool = False) -> SafeString:
    """``text`` as a CSS ``content`` value (running headers and footers); with ``counters``, ``%(page)s`` and
    ``%(pages)s`` become page counters."""
    parts = re.split(r"%\((pages?)\)s", text) if counters else [text]
    out = [f"counter({part})" if i % 2 else _css_string(part) for i, part in enumerate(parts) if part]
    return mark_safe(" ".join(out) or '""')  # only counters, ASCII letters, digits and CSS escapes
