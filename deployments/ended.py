"""What follows a deployment's end, registered by the apps above (dependency inversion).

``deployments`` knows no app above it: ``reviews`` registers its ``open_review`` here from its
``ready()``, and ``complete_deployment`` / ``halt_deployment`` call every registered callback
inside their own transaction, so a deployment never ends without what must follow it.
"""

from collections.abc import Callable
from typing import Any

# callback(*, deployment, by): runs in the ending service's transaction.
DeploymentEnded = Callable[..., Any]

_ON_ENDED: dict[str, DeploymentEnded] = {}


def register_deployment_ended(key: str, callback: DeploymentEnded) -> None:
    """Register (or replace, by key: ``ready()`` may run twice) a callback for every end."""
    _ON_ENDED[key] = callback


def deployment_ended(*, deployment, by) -> None:
    for callback in list(_ON_ENDED.values()):
        callback(deployment=deployment, by=by)
