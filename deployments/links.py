"""Links about a deployment from the apps above it, registered from their ``ready()``.

``deployments`` knows no app above it: ``reviews`` registers a provider here (the
deployment's review, once it has ended), and the deployment's staff page shows every link the
providers give its reader. A provider decides who may follow its link: it returns None for a
reader who may not, so the page never offers a link that would answer 404.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DeploymentLink:
    """One link on the deployment's page: what it is, where it goes, where that stands."""

    text: str
    url: str
    state: str = ""


# provider(*, deployment, user) -> a link for this reader, or None.
LinkProvider = Callable[..., DeploymentLink | None]

_PROVIDERS: dict[str, LinkProvider] = {}


def register_deployment_links(key: str, provider: LinkProvider) -> None:
    """Register (or replace, by key: ``ready()`` may run twice) a provider of links."""
    _PROVIDERS[key] = provider


def deployment_links(*, deployment, user) -> list[DeploymentLink]:
    """The links the upper layers offer ``user`` about ``deployment``, in registration order."""
    found = (provider(deployment=deployment, user=user) for provider in list(_PROVIDERS.values()))
    return [link for link in found if link is not None]
