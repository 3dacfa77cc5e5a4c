"""``/v1/replicas`` (aliases ``/v1/faces`` and ``/v1/avatars``): the faces a persona can wear.

visavis's faces are vector avatars shipped as files (``visavis avatar list``), so they are
listed and previewed here, not trained from video as the public API's replicas are."""

from __future__ import annotations

import asyncio
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response

from visavis.face import list_avatars, load_avatar, snapshot
from visavis.server.errors import not_found
from visavis.server.routes.deps import ApiCaller
from visavis.server.schemas.resources import Page, Replica

router = APIRouter(tags=["replicas"])
ALIASES = ("/v1/replicas", "/v1/faces", "/v1/avatars")


def replica(request: Request, name: str) -> Replica:
    avatar = load_avatar(name)
    return Replica(
        replica_id=name,
        replica_name=avatar.display_name,
        thumbnail_url=str(request.url_for("replica_thumbnail", replica_id=name)),
    )


def _known(replica_id: str) -> None:
    if replica_id not in list_avatars():
        raise not_found("replica", replica_id, f"use one of {list_avatars()}")


@lru_cache(maxsize=16)
def _thumbnail_png(replica_id: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = snapshot(replica_id, "neutral_listening", 256, Path(tmp) / "face.png")
        return Path(path).read_bytes()


async def list_replicas(request: Request, caller: ApiCaller) -> Any:
    data = [replica(request, name) for name in list_avatars()]
    return Page[Replica](data=data, total=len(data))


async def get_replica(replica_id: str, request: Request, caller: ApiCaller) -> Any:
    _known(replica_id)
    return replica(request, replica_id)


async def replica_thumbnail(replica_id: str) -> Response:
    # Public, like an avatar image on a web page: it shows a drawing, not anyone's data.
    _known(replica_id)
    png = await asyncio.to_thread(_thumbnail_png, replica_id)
    return Response(png, media_type="image/png", headers={"cache-control": "max-age=3600"})


for i, prefix in enumerate(ALIASES):
    hidden = {"include_in_schema": i == 0}
    router.add_api_route(prefix, list_replicas, response_model=Page[Replica], **hidden)
    router.add_api_route(f"{prefix}/{{replica_id}}", get_replica, response_model=Replica, **hidden)
router.add_api_route(
    "/v1/replicas/{replica_id}/thumbnail.png", replica_thumbnail, name="replica_thumbnail"
)
