"""The application factory: one FastAPI app serving the API, Open311 and the pages."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from jiesu.api import brief as brief_api
from jiesu.api import calls, citizen, open311, requests, sms
from jiesu.api import duty as duty_api
from jiesu.api.limits import BodySizeLimit, RateLimiter
from jiesu.api.security_headers import SecurityHeaders
from jiesu.bootstrap import App
from jiesu.domain.errors import DomainError
from jiesu.services.photos import MAX_BYTES, MAX_PER_STEP
from jiesu.web import error_pages
from jiesu.web.rendering import PageInstead

MAX_BODY = 6 * 1024 * 1024
# where 现场照片 are sent (portal, intake, a case's action, in pages or the API): room for the most photos a step
# takes, base64-encoded in JSON (4/3 of their size), beside the rest of the body
PHOTO_PATHS = re.compile(r"/(portal(/supplement)?|intake|cases/\d+/act|api/v1/requests(/\d+/actions/\w+)?"
                         r"|api/v1/public/requests/\w+/supplement)")
MAX_PHOTO_BODY = MAX_PER_STEP * MAX_BYTES * 4 // 3 + MAX_BODY
WEB = Path(__file__).resolve().parent.parent / "web"


def create_app(jiesu: App, *, submit_per_minute: int = 10, track_per_minute: int = 60) -> FastAPI:
    if not jiesu.settings.demo_mode and jiesu.settings.uses_demo_secret:
        raise RuntimeError("JIESU_SECRET_KEY 仍是默认值：生产环境必须设置自己的密钥（演示模式除外）")
    @asynccontextmanager
    async def lifespan(_: FastAPI):
        from jiesu.nlp.keywords import warm_up
        from jiesu.storage.database import hold_in_use

        in_use = hold_in_use(jiesu.engine)  # `jiesu db restore` refuses while this process serves the database

        warm_up()  # jieba's dictionary loads in a second or two: not on the first intake
        from jiesu.nlp import similarity  # noqa: F401  (SciPy and the n-gram code: 2–3 s, also not on the first intake)

        jiesu.repeats.start(jiesu)  # the repeat check's index, built in the background
        jiesu.knowledge.start()  # and the 知识库's
        jiesu.lessons.start()  # and the 改派经验
        import gc

        gc.freeze()  # what start-up loaded (jieba, SciPy, scikit-learn) is never garbage: a full collection walking
        # it took about 0.1 s on an idle machine and stalled every request in flight (the p99 of intake under load)
        try:
            yield
        finally:
            if in_use is not None:
                in_use.close()

    # the documentation page with Swagger UI's files from the fastapi-offline package, not from a CDN
    api = FastAPIOffline(title="jiesu 接诉即办 API", version="1", docs_url="/docs", redoc_url=None, lifespan=lifespan,
                         static_url="/static-docs",
                         description="市民服务热线平台：受理、派单、办理、回访、考核。错误统一为 {code, message, field}。")
    api.state.jiesu = jiesu
    api.state.submit_limiter = RateLimiter(jiesu, "submit", submit_per_minute, 60)
    api.state.track_limiter = RateLimiter(jiesu, "track", track_per_minute, 60)
    api.state.answers_limiter = RateLimiter(jiesu, "answers", track_per_minute, 60)
    # JSON for the API and Open311, a page in Chinese for a browser (`web/error_pages.py`); Starlette types a
    # handler as taking any Exception, each of these takes the one it is registered for
    api.add_exception_handler(DomainError, error_pages.domain_error)  # type: ignore[arg-type]
    api.add_exception_handler(RequestValidationError, error_pages.validation_error)  # type: ignore[arg-type]
    api.add_exception_handler(StarletteHTTPException, error_pages.http_error)  # type: ignore[arg-type]
    api.add_exception_handler(Exception, error_pages.unexpected)
    api.add_exception_handler(PageInstead, lambda _request, instead: instead.response)
    # served over HTTPS (the public address says so): the session cookie is never sent over plain HTTP
    api.add_middleware(SessionMiddleware, secret_key="session:" + jiesu.settings.secret_key, session_cookie="jiesu",
                       same_site="lax", https_only=jiesu.settings.public_url.startswith("https://"),
                       max_age=12 * 3600)
    api.add_middleware(BodySizeLimit, limit=MAX_BODY, larger=(PHOTO_PATHS, MAX_PHOTO_BODY))
    api.add_middleware(SecurityHeaders)
    api.include_router(requests.router)
    api.include_router(duty_api.router)
    api.include_router(brief_api.router)
    api.include_router(requests.public)
    api.include_router(citizen.mine)
    api.include_router(open311.router)
    api.include_router(sms.router)
    api.include_router(calls.router)
    from jiesu.web import (
        admin,
        agent_quality,
        audit,
        catalogue,
        dispatch_lessons,
        duty,
        insight,
        knowledge,
        pages,
        portal,
        portal_mine,
        publication,
        pulse,
        standing,
        topics,
    )

    api.include_router(pages.router)
    api.include_router(pulse.router)
    api.include_router(portal.router)
    api.include_router(portal_mine.router)
    api.include_router(publication.router)
    api.include_router(insight.router)
    api.include_router(admin.router)
    api.include_router(audit.router)
    api.include_router(standing.router)
    api.include_router(dispatch_lessons.router)
    api.include_router(catalogue.router)
    api.include_router(knowledge.router)
    api.include_router(topics.router)
    api.include_router(agent_quality.router)
    api.include_router(duty.router)
    api.mount("/static", StaticFiles(directory=WEB / "static"), name="static")

    @api.api_route("/healthz", methods=["GET", "HEAD"], include_in_schema=False)  # HEAD: what uptime monitors send
    async def healthz() -> dict:  # no I/O: answered on the event loop, the ceiling of the server
        return {"ok": True}

    return api
