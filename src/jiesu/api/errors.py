"""Domain errors as JSON `{code, message, field}` with the right status code."""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from jiesu.domain.errors import (
    ConfigError,
    ConflictError,
    DomainError,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    TooManyRequests,
)

STATUS = {InvalidInput: 400, ConfigError: 400, NotFound: 404, Forbidden: 403, IllegalTransition: 409,
          ConflictError: 409, TooManyRequests: 429}


class Unauthenticated(DomainError):
    code = "unauthenticated"


def status_of(error: DomainError) -> int:
    from jiesu.api.limits import TooLarge

    if isinstance(error, Unauthenticated):
        return 401
    if isinstance(error, TooLarge):
        return 413
    for kind, status in STATUS.items():
        if isinstance(error, kind):
            return status
    return 400


def body(code: str, message: str, field: str | None) -> dict:
    return {"code": code, "message": message, "field": field}


async def domain_error_handler(request: Request, error: DomainError) -> JSONResponse:
    return JSONResponse(body(error.code, error.message, error.field), status_code=status_of(error))


async def validation_error_handler(request: Request, error: RequestValidationError) -> JSONResponse:
    first = error.errors()[0] if error.errors() else {"loc": (), "msg": "invalid"}
    if first.get("type") == "json_invalid":  # not JSON at all: no field to name (pydantic gives the offset)
        return JSONResponse(body("invalid", "请求体不是合法的 JSON", None), status_code=422)
    field = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
    return JSONResponse(body("invalid", f"{first.get('msg')}", field), status_code=422)


def fault_json() -> JSONResponse:
    """A fault, in the errors' own shape (the server has logged it)."""
    return JSONResponse(body("internal", "服务器内部错误，请稍后重试；如仍出错请联系管理员", None), status_code=500)
