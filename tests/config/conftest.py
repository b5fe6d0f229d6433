import pytest


@pytest.fixture
def demo(db):
    """The demo of ``make run``: every account, and an application in every state."""
    import io

    from authority.demo import seed_demo_accounts
    from authority.demo_applications import seed_demo_applications

    users = {u.username: u for u in seed_demo_accounts(password="demo-password-2026")}
    seed_demo_applications(users=users, stdout=io.StringIO())
    return users
