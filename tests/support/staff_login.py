"""Logging in as a browser does: GET the login form (its CSRF cookie and token), then POST it."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import ClientResponse

TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


async def post_login(client: Any, email: str, password: str, **kwargs: Any) -> ClientResponse:
    """POST the login form with the token the form gave; no redirects followed unless asked."""
    page = await (await client.get("/console/login")).text()
    match = TOKEN.search(page)
    assert match, page[:500]
    kwargs.setdefault("allow_redirects", False)
    return await client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf": match.group(1)},
        **kwargs,
    )


async def login_csrf(client: Any, email: str, password: str, page: str = "/console/") -> str:
    """Log in (a demo or test account without a second factor) and return the session's CSRF."""
    response = await post_login(client, email, password)
    assert response.status == 302, await response.text()
    html = await (await client.get(page)).text()
    match = TOKEN.search(html)
    assert match, html[:500]
    return match.group(1)
