"""`python -m bot users ...`, `python -m bot purge`, `python -m bot console sync | streaming-rebuild`."""

from __future__ import annotations

import getpass
import sys

import sqlalchemy as sa

from bot.config import get_settings


def _users_create(args) -> int:
    from bot.db import check_database, session_scope
    from bot.web.console.auth import create_user

    check_database(args.url)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Mật khẩu: ")
        if getpass.getpass("Nhập lại mật khẩu: ") != password:
            print("error: hai lần nhập mật khẩu không khớp", file=sys.stderr)
            return 1
    try:
        with session_scope(args.url) as session:
            user = create_user(session, args.username, password, args.role, args.full_name or "")
            print(f"created {user.role} {user.username}")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _users_list(args) -> int:
    from bot.db import check_database, session_scope
    from bot.web.console.store import ConsoleUser

    check_database(args.url)
    with session_scope(args.url) as session:
        for user in session.execute(sa.select(ConsoleUser).order_by(ConsoleUser.username)).scalars():
            state = "active" if user.is_active else "disabled"
            print(f"{user.username}\t{user.role}\t{state}\t{user.last_login_at or '-'}")
    return 0


def _users_set_active(args, active: bool) -> int:
    from bot.db import check_database, session_scope
    from bot.web.console.store import ConsoleSession, ConsoleUser

    check_database(args.url)
    with session_scope(args.url) as session:
        user = session.execute(
            sa.select(ConsoleUser).where(ConsoleUser.username == args.username.lower())
        ).scalar_one_or_none()
        if user is None:
            print(f"error: no user {args.username!r}", file=sys.stderr)
            return 1
        user.is_active = active
        if not active:  # a disabled account is logged out everywhere at once
            session.execute(sa.delete(ConsoleSession).where(ConsoleSession.user_id == user.id))
    print(f"{args.username}: {'active' if active else 'disabled'}")
    return 0


def _purge(args) -> int:
    from bot.db import check_database, get_engine
    from bot.web.console.retention import purge

    settings = get_settings()
    days = settings.retention_days if args.days is None else args.days
    check_database(args.url)
    if days < 1:
        print("error: --days must be at least 1", file=sys.stderr)
        return 1
    result = purge(get_engine(args.url), days)
    print(
        f"purged {result.conversations} conversations ({result.events} events) and "
        f"{result.callbacks} closed callback requests older than {days} days"
    )
    return 0


def _sync(args) -> int:
    from bot.db import check_database, get_engine
    from bot.web.console.sync import sync_events

    check_database(args.url)
    count = sync_events(get_engine(args.url))
    print(f"synced {count} events")
    return 0


def _streaming_rebuild(args) -> int:
    from bot.db import check_database, get_engine
    from bot.web.console.streaming import rebuild
    from bot.web.console.sync import sync_events

    check_database(args.url)
    engine = get_engine(args.url)
    sync_events(engine, low_confidence=get_settings().console_low_confidence)
    print(f"streaming view: {rebuild(engine)} conversations counted from the stored events")
    return 0


def register(subparsers) -> None:
    from bot.web.console.store import ROLES

    users = subparsers.add_parser("users", help="counsellor console accounts")
    actions = users.add_subparsers(dest="users_command", required=True)
    create = actions.add_parser("create", help="create an account")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--full-name", default="")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    create.add_argument("--url", help="database URL (default: DATABASE_URL)")
    create.set_defaults(handler=_users_create)
    listing = actions.add_parser("list", help="list accounts")
    listing.add_argument("--url")
    listing.set_defaults(handler=_users_list)
    for name, active in (("disable", False), ("enable", True)):
        sub = actions.add_parser(name, help=f"{name} an account")
        sub.add_argument("--username", required=True)
        sub.add_argument("--url")
        sub.set_defaults(handler=lambda a, active=active: _users_set_active(a, active))

    purge = subparsers.add_parser("purge", help="delete conversations older than the retention limit")
    purge.add_argument(
        "--days", type=int, default=None, help="retention in days (default: RETENTION_DAYS or 180)"
    )
    purge.add_argument("--url")
    purge.set_defaults(handler=_purge)

    console = subparsers.add_parser("console", help="counsellor console maintenance")
    console_actions = console.add_subparsers(dest="console_command", required=True)
    sync = console_actions.add_parser("sync", help="fold new tracker-store events into the console summary")
    sync.add_argument("--url")
    sync.set_defaults(handler=_sync)
    rebuild = console_actions.add_parser(
        "streaming-rebuild",
        help="count the streaming view again from the stored events (once, after upgrading)",
    )
    rebuild.add_argument("--url")
    rebuild.set_defaults(handler=_streaming_rebuild)
