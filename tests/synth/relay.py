"""An HTTP relay on loopback between the driver and a real survey server, for tests that look at
what goes over the wire (the pinned requests, the pages the driver parses)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

#: Called with each request, its body, the reply's status and the reply's bytes.
Note = Callable[[web.Request, bytes, int, bytes], None]


@asynccontextmanager
async def relay(target: str, note: Note) -> AsyncIterator[str]:
    """A relay to `target` on a free loopback port that passes each request on unchanged and
    tells `note` of it; yields the relay's URL."""
    async with aiohttp.ClientSession(target, cookie_jar=aiohttp.DummyCookieJar()) as upstream:

        async def forward(request: web.Request) -> web.Response:
            body = await request.read()
            headers = {"content-type": request.headers.get("content-type", "")}
            async with upstream.request(
                request.method,
                request.path_qs,
                data=body or None,
                headers=headers if body else None,
                allow_redirects=False,
            ) as reply:
                payload = await reply.read()
                status, kind = reply.status, reply.headers.get("content-type", "")
            note(request, body, status, payload)
            return web.Response(status=status, body=payload, headers={"content-type": kind})

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            yield f"http://127.0.0.1:{runner.addresses[0][1]}"
        finally:
            await runner.cleanup()
