"""A local fake of Meta's Graph API for WhatsApp messages (real HTTP on loopback).

Answers like the Cloud API (`messages[0].id` = a wamid), records what was sent, and can answer
429, 500 or a Graph error code (e.g. 131047, the closed 24-hour window) on demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from harness.fakes.server import LoopbackServer


@dataclass
class FakeGraph(LoopbackServer):
    """Records sends; `failures` holds (status, graph error code) for the next sends."""

    phone_number_id: str = "1122334455667"
    token: str = "graph-test-token"
    sent: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    failures: list[tuple[int, int | None]] = field(default_factory=list)
    # approved templates: name -> (language code, number of body parameters)
    templates: dict[str, tuple[str, int]] = field(default_factory=dict)
    # recipients whose 24-hour window is closed: free text to them is refused with 131047
    closed: set[str] = field(default_factory=set)

    @property
    def base_url(self) -> str:
        return f"{self.root}/v25.0"

    async def wait_for(self, count: int, timeout: float = 60) -> list[dict[str, Any]]:
        """Wait until ``count`` messages arrived (bounded)."""
        await self.wait_until(lambda: len(self.sent) >= count, lambda: self.sent, timeout)
        return self.sent

    async def handle(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response(
                {"error": {"code": 190, "message": "Invalid OAuth access token"}}, status=401
            )
        if request.match_info["phone"] != self.phone_number_id:
            return web.json_response(
                {"error": {"code": 100, "message": "Unknown phone number"}}, status=400
            )
        body = await request.json()
        self.attempts += 1
        if self.failures:
            status, code = self.failures.pop(0)
            error = {"message": "error", "type": "OAuthException", "code": code or status}
            headers = {"Retry-After": "1"} if status == 429 else {}
            return web.json_response({"error": error}, status=status, headers=headers)
        to = body.get("to") or body.get("recipient")
        if body.get("type") == "template":
            problem = self.template_problem(body.get("template"))
            if problem is not None:
                code, message = problem
                return web.json_response(
                    {"error": {"message": message, "type": "OAuthException", "code": code}},
                    status=400,
                )
            self.closed.discard(str(to))  # a template message is allowed; the window stays as is
        elif str(to) in self.closed:
            return web.json_response(
                {
                    "error": {
                        "message": "Re-engagement message",
                        "type": "OAuthException",
                        "code": 131047,
                    }
                },
                status=400,
            )
        self.sent.append(body)
        self.arrived.set()
        to = body.get("to") or body.get("recipient")
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.out.{len(self.sent)}"}],
            }
        )

    def template_problem(self, spec: object) -> tuple[int, str] | None:
        """Check a template request the way the Cloud API documents it (name, language.code,
        components[].parameters[] of type text); None when it is fine."""
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            return 100, "template.name is required"
        language = spec.get("language")
        if not isinstance(language, dict) or not isinstance(language.get("code"), str):
            return 100, "template.language.code is required"
        if spec["name"] not in self.templates:
            return 132001, "Template name does not exist in the translation"
        want_language, want_params = self.templates[spec["name"]]
        if language["code"] != want_language:
            return 132001, "Template name does not exist in the translation"
        params: list[object] = []
        for component in spec.get("components") or []:
            if not isinstance(component, dict) or component.get("type") not in (
                "header",
                "body",
                "button",
                "footer",
            ):
                return 100, "invalid component"
            if component.get("type") == "body":
                params += component.get("parameters") or []
        if any(
            not isinstance(p, dict) or p.get("type") != "text" or not isinstance(p.get("text"), str)
            for p in params
        ):
            return 100, "invalid parameter"
        if len(params) != want_params:
            return 132000, "Number of parameters does not match the expected number of params"
        return None

    async def start(self) -> FakeGraph:
        app = web.Application()
        app.router.add_post("/v25.0/{phone}/messages", self.handle)
        await self.serve(app)
        return self
