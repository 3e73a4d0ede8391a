"""Typed app key of the plan service, for the screens that use it (public page, console)."""

from __future__ import annotations

from aiohttp import web

from bot.plan.service import PlanService

PLANS = web.AppKey("plans", PlanService)
