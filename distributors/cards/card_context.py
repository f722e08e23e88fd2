"""What the apps above add to the customer card's page (money warnings, balances, health ...).

An app registers a provider — ``provider(*, user, distributor) -> dict`` of template context — with
:func:`register` in its ``AppConfig.ready``; the card view merges what they return. The layers point one way:
this app never imports the apps that fill it.
"""

from collections.abc import Callable

Provider = Callable[..., dict]

_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add ``provider`` (once); usable as a decorator."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def card_context(*, user, distributor) -> dict:
    """Everything the registered providers add to the card page of ``distributor`` for ``user``."""
    context: dict = {}
    for provider in _providers:
        context.update(provider(user=user, distributor=distributor))
    return context
