"""Which HTTP status each domain error means (used by the web layer and batch responses)."""

from __future__ import annotations

from http import HTTPStatus

from kangtong.core import errors

_STATUS: dict[type[errors.KangtongError], HTTPStatus] = {
    errors.Invalid: HTTPStatus.BAD_REQUEST,
    errors.Unprocessable: HTTPStatus.UNPROCESSABLE_ENTITY,
    errors.NotFound: HTTPStatus.NOT_FOUND,
    errors.Gone: HTTPStatus.GONE,
    errors.Forbidden: HTTPStatus.FORBIDDEN,
    errors.Conflict: HTTPStatus.CONFLICT,
    errors.PreconditionFailed: HTTPStatus.PRECONDITION_FAILED,
    errors.NotSupported: HTTPStatus.NOT_IMPLEMENTED,
    errors.MethodNotAllowed: HTTPStatus.METHOD_NOT_ALLOWED,
    errors.PayloadTooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    errors.UnsupportedMediaType: HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    errors.NotAcceptable: HTTPStatus.NOT_ACCEPTABLE,
    errors.Unavailable: HTTPStatus.SERVICE_UNAVAILABLE,
    errors.Unexpected: HTTPStatus.INTERNAL_SERVER_ERROR,
}


def status_for(exc: errors.KangtongError) -> HTTPStatus:
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return HTTPStatus.INTERNAL_SERVER_ERROR
