"""``visavis serve`` and ``visavis keys``: running the server and managing its API keys.

``serve`` prints what a person needs to start: the console link (with a development API key in
its fragment, which browsers never send to the server) and, with ``--new-call``, a call link
to open right away. The development key is kept (readable only by its owner) in the state
directory so it stays the same across restarts; ``--no-dev-key`` turns this off.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
from pathlib import Path

from rich.console import Console

from visavis.store import DEFAULT_URL, NotFoundError, Store

DEV_TENANT = "default"


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "visavis"


def dev_key(store: Store, url: str) -> str:
    """The development API key for this database: the saved one while it still works, else a
    new one (saved for the next start)."""
    path = state_dir() / "dev-keys" / hashlib.sha256(url.encode()).hexdigest()[:16]
    if path.exists():
        saved = path.read_text().strip()
        if store.tenant_for_key(saved) == DEV_TENANT:
            return saved
    key = store.create_api_key(DEV_TENANT, "development key (visavis serve)")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(key + "\n")
    return key


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the live-call server (REST, WebRTC, pages)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    _database_option(serve)
    serve.add_argument(
        "--new-call",
        action="store_true",
        help="create a post-discharge conversation at start and print its link",
    )
    serve.add_argument(
        "--no-dev-key", action="store_true", help="do not create or print a development API key"
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a web origin allowed to call the API from its pages (repeatable)",
    )
    serve.add_argument(
        "--max-body", type=int, default=1 << 20, metavar="BYTES", help="request body limit"
    )
    serve.add_argument("--ssl-certfile", help="TLS certificate (browsers need https off localhost)")
    serve.add_argument("--ssl-keyfile", help="TLS private key")
    serve.set_defaults(func=_serve)

    keys = sub.add_parser("keys", help="create, list or revoke API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("--tenant", default=DEV_TENANT, help="the tenant the key belongs to")
    create.add_argument("--name", default="api key", help="a label to recognise it by")
    listing = keys_sub.add_parser("list", help="a tenant's keys (ids and names, not secrets)")
    listing.add_argument("--tenant", default=DEV_TENANT)
    revoke = keys_sub.add_parser("revoke", help="revoke a key by its id (kNNN...)")
    revoke.add_argument("key_id")
    revoke.add_argument("--tenant", default=DEV_TENANT)
    secret = keys_sub.add_parser(
        "webhook-secret", help="print the secret that signs this deployment's webhooks"
    )
    for command in (create, listing, revoke, secret):
        _database_option(command)
        command.set_defaults(func=_keys)


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        default=os.environ.get("VISAVIS_DATABASE_URL", DEFAULT_URL),
        help="SQLAlchemy URL of the database (default: $VISAVIS_DATABASE_URL or a SQLite file "
        "visavis.db here; postgresql+psycopg://... for PostgreSQL)",
    )


def _keys(args: argparse.Namespace) -> int:
    console = Console(stderr=True, soft_wrap=True)
    with Store(args.database_url) as store:
        store.migrate()
        if args.keys_command == "create":
            key = store.create_api_key(args.tenant, args.name)
            console.print(f"created a key for tenant {args.tenant!r}; it is shown only this once:")
            print(key)  # stdout alone, so scripts can capture it
        elif args.keys_command == "webhook-secret":
            from visavis.server.context import WEBHOOK_SECRET_NAME

            if os.environ.get("VISAVIS_WEBHOOK_SECRET"):
                console.print("VISAVIS_WEBHOOK_SECRET is set: the server signs with that instead")
            print(store.deployment_secret(WEBHOOK_SECRET_NAME))  # stdout alone, for scripts
        elif args.keys_command == "list":
            for row in store.list_api_keys(args.tenant):
                state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
                print(f"{row.key_id}\t{row.name}\t{row.created_at:%Y-%m-%d %H:%M}\t{state}")
        else:
            try:
                store.revoke_api_key(args.tenant, args.key_id)
            except NotFoundError:
                console.print(
                    f"[red]error:[/red] no key {args.key_id!r} in tenant {args.tenant!r}; "
                    "see `visavis keys list --tenant ...`"
                )
                return 2
            console.print(f"revoked {args.key_id}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from visavis.egress import EgressConfigError, EgressPolicy
    from visavis.runtime.allocator import limit_arenas
    from visavis.server import create_app
    from visavis.server.context import ServerSettings
    from visavis.server.ice import IceConfigError, ice_servers_from_env
    from visavis.server.live import LiveCallOptions
    from visavis.server.registry import ConversationRecord
    from visavis.server.schemas import CreateConversation

    # Before the engines start their thread pools: memory stays flat over long calls.
    limit_arenas()
    console = Console(stderr=True, soft_wrap=True)
    try:
        EgressPolicy.from_env()  # read again for each client; a typo should stop the start
        ice_servers = ice_servers_from_env()
    except (EgressConfigError, IceConfigError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 2
    settings = ServerSettings(
        database_url=args.database_url,
        preload=True,
        cors_origins=tuple(args.cors_origin),
        max_body_bytes=args.max_body,
        webhook_secret=os.environ.get("VISAVIS_WEBHOOK_SECRET") or None,
        call_options=LiveCallOptions(ice_servers=ice_servers),
    )
    app = create_app(settings=settings)
    ctx = app.state.ctx
    scheme = "https" if args.ssl_certfile else "http"
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    base = f"{scheme}://{shown_host}:{args.port}"
    console.print(f"[bold]visavis[/bold] is serving on {base}  (database {ctx.store!r})")
    if not args.no_dev_key:
        key = dev_key(ctx.store, args.database_url)
        console.print(f"  console:  {base}/console#key={key}")
        console.print(f"  API key:  {key}  (tenant {DEV_TENANT!r}; more: `visavis keys create`)")
    if args.new_call:
        record = ConversationRecord(
            conversation_id="", request=CreateConversation(), tenant_id=DEV_TENANT
        )
        ctx.registry(DEV_TENANT).add(record)
        token = ctx.join_url_token(record)
        console.print(
            f"  [bold]open this call:[/bold] {base}/call/{record.conversation_id}?t={token}"
        )
    if scheme == "http" and shown_host not in ("127.0.0.1", "localhost"):
        console.print(
            "  note: browsers allow camera and microphone only on https or localhost; "
            "pass --ssl-certfile/--ssl-keyfile to serve other machines"
        )
    console.print("  stop with Ctrl-C")
    # Access lines come from visavis.access (no query strings or bodies), not uvicorn's log.
    logging.getLogger("visavis").setLevel(logging.INFO)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        ssl_certfile=args.ssl_certfile,
        ssl_keyfile=args.ssl_keyfile,
    )
    return 0
