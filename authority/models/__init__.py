from .officers import AccountKind, Rank, User

__all__ = ["AccountKind", "Rank", "User"]
