"""Staff: teams, staff accounts, login with a second factor, roles, the audit log, access reasons
and alerts (no screens here).

The console and the dashboard import from this package only.
"""

from __future__ import annotations

from bot.staff.accounts import is_disabled
from bot.staff.alerts import mark_seen, open_alerts, raise_alert
from bot.staff.audit import record as audit
from bot.staff.auth import (
    CHAT_ROLES,
    COOKIE,
    LOGIN_PATH,
    ROLES,
    LoginResult,
    User,
    current_user,
    login,
    logout,
    require_roles,
    set_cookie,
)
from bot.staff.passwords import hash_password, verify_password
from bot.staff.tables import (
    AccessReason,
    AuditEntry,
    LoginThrottle,
    StaffAlert,
    StaffSession,
    StaffUser,
    Team,
)

__all__ = [
    "CHAT_ROLES",
    "COOKIE",
    "LOGIN_PATH",
    "ROLES",
    "AccessReason",
    "AuditEntry",
    "LoginResult",
    "LoginThrottle",
    "StaffAlert",
    "StaffSession",
    "StaffUser",
    "Team",
    "User",
    "audit",
    "current_user",
    "hash_password",
    "is_disabled",
    "login",
    "logout",
    "mark_seen",
    "open_alerts",
    "raise_alert",
    "require_roles",
    "set_cookie",
    "verify_password",
]
