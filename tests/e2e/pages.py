"""Steps the end-to-end tests share."""

from tests.factories import PASSWORD


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login page as ``username`` (the factories' password unless told)."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
