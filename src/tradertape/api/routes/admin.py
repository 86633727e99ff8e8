"""Admin-only account management: list users, grant admin or Class 0, disable accounts."""

from __future__ import annotations

from fastapi import APIRouter

from tradertape.api.deps import AdminUser, DbDep, PageDep, RuntimeDep
from tradertape.api.schemas.auth import Strict, UserOut
from tradertape.api.schemas.numbers import RowId
from tradertape.domain.decimal_input import Flag
from tradertape.services.accounts import users

router = APIRouter(prefix="/auth/admin", tags=["admin"])


class AdminUserOut(UserOut):
    """A user as an admin sees them."""

    is_active: bool


class UserFlagsIn(Strict):
    """Flags an admin may change; omitted ones stay as they are."""

    is_admin: Flag | None = None
    cloud_secrets_allowed: Flag | None = None
    is_active: Flag | None = None


@router.get("/users", response_model=list[AdminUserOut])
def list_users(admin: AdminUser, db: DbDep, page: PageDep) -> list[AdminUserOut]:
    """Every user, oldest first."""
    rows = users.list_users(db, limit=page.limit, offset=page.offset)
    return [AdminUserOut.model_validate(row, from_attributes=True) for row in rows]


@router.patch("/users/{user_id}", response_model=AdminUserOut)
def update_user(
    user_id: RowId, body: UserFlagsIn, admin: AdminUser, runtime: RuntimeDep, db: DbDep
) -> AdminUserOut:
    """Grant or withdraw admin and Class 0, or disable an account (its sessions end)."""
    row = users.update_flags(
        db,
        actor=admin,
        user_id=user_id,
        is_admin=body.is_admin,
        cloud_secrets_allowed=body.cloud_secrets_allowed,
        is_active=body.is_active,
    )
    if body.is_active is False:
        runtime.sessions.revoke_all(db, user=row)
    return AdminUserOut.model_validate(row, from_attributes=True)
