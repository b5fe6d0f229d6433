"""What the deployment services share: the row locks and who may act on a deployment."""

from authority.models import Application, User
from common.roles import Role
from deployments.errors import NotOnTheDeployment, NotTheSilverCommander
from deployments.models import Deployment


def lock_deployment(deployment: Deployment | int) -> Deployment:
    pk = deployment.pk if isinstance(deployment, Deployment) else deployment
    return (
        Deployment.objects.select_for_update().select_related("authority", "watchlist").get(pk=pk)
    )


def is_silver_commander(user: User, application: Application) -> bool:
    """The Silver commander named on the authority, holding the role and its permission."""
    return (
        user.is_active
        and user.pk == application.silver_commander_id
        and user.has_role(Role.SILVER_COMMANDER)
        and user.has_perm("deployments.command_deployment")
    )


def require_silver_commander(by: User, application: Application, action: str) -> None:
    if not is_silver_commander(by, application):
        raise NotTheSilverCommander(
            f"Only the Silver commander named on the authority may {action}."
        )


def is_operator_on(user: User, deployment: Deployment) -> bool:
    return (
        user.is_active
        and user.has_role(Role.LFR_OPERATOR)
        and user.has_perm("deployments.operate_deployment")
        and deployment.operators.filter(pk=user.pk).exists()
    )


def require_operator_on(by: User, deployment: Deployment, action: str) -> None:
    if not is_operator_on(by, deployment):
        raise NotOnTheDeployment(f"Only an LFR operator named on this deployment may {action}.")
