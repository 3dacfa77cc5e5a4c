"""glibc's allocator in a long-running server: fewer arenas, so memory stays flat over a call.

glibc gives each thread that allocates concurrently an arena of its own, up to 8 per core, and
an arena only shrinks from its top: memory freed in the middle stays with the process. A live
call allocates from many threads at once (the event loop, onnxruntime's and CTranslate2's
pools, the avatar renderer, aiortc's codecs), so freed buffers scatter over a dozen arenas and
the server's RSS creeps up call after call. Two arenas (what ``MALLOC_ARENA_MAX=2`` sets) keep
freed memory in a few places where it is reused; ``bench/load.py --long-only`` measures the
effect. Only glibc has ``mallopt``; elsewhere these calls do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

log = logging.getLogger(__name__)

#: ``mallopt`` parameter number of ``M_ARENA_MAX`` (glibc's malloc.h).
M_ARENA_MAX = -8
#: Arenas a server keeps by default (``VISAVIS_MALLOC_ARENAS`` overrides; 0 leaves glibc's).
DEFAULT_ARENAS = 2


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 (absent outside glibc)
    except (OSError, AttributeError):
        return None
    return libc


def limit_arenas(arenas: int | None = None) -> int | None:
    """Cap glibc's malloc arenas at ``arenas`` (default ``VISAVIS_MALLOC_ARENAS`` or 2) for the
    threads that start allocating from now on; call it before the engines start their thread
    pools. Returns the cap set, or None when nothing was set (not glibc, 0, or an explicit
    ``MALLOC_ARENA_MAX`` in the environment, which glibc already applied)."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return None
    if arenas is None:
        raw = os.environ.get("VISAVIS_MALLOC_ARENAS", str(DEFAULT_ARENAS))
        try:
            arenas = int(raw)
        except ValueError:
            log.warning(
                "VISAVIS_MALLOC_ARENAS=%r is not a whole number; using %d", raw, DEFAULT_ARENAS
            )
            arenas = DEFAULT_ARENAS
    if arenas <= 0:
        return None
    libc = _libc()
    if libc is None or libc.mallopt(M_ARENA_MAX, arenas) != 1:
        return None
    return arenas
