"""The application factory: routers, error handlers, limits and the job worker beside them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from starlette.routing import Match

from cairn import __version__
from cairn.api import artifacts, blocks, errors, gateway, hf, names, ops, web
from cairn.api.deps import ServerConfig
from cairn.api.jobs import JobWorker
from cairn.api.limits import BodyLimit

# Every router of the app; no route declares a request body (cairn.api.limits says why).
ROUTERS = (artifacts.router, blocks.router, names.router, ops.router, gateway.router, web.router, hf.router)


def create_app(config: ServerConfig, run_jobs: bool = True) -> FastAPI:
    worker = JobWorker(config.settings) if run_jobs else None

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if worker:
            worker.start()
        yield
        if worker:
            worker.stop()

    app = FastAPI(
        title="Cairn",
        version=__version__,
        lifespan=lifespan,
        description="Content-addressed storage for ML models and datasets: REST v1 and a trustless gateway.",
    )
    app.state.config = config
    errors.install(app)
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "HEAD"],
            allow_headers=["Authorization", "Range", "If-None-Match"],
        )
    for router in ROUTERS:
        app.include_router(router)
    # Inside the BaseHTTPMiddleware below: an error raised from its receive would reach routes
    # wrapped in an ExceptionGroup, and FastAPI would answer 400 instead of 413.
    app.add_middleware(BodyLimit, max_bytes=config.max_upload_bytes)
    _advertise_allowed_methods(app)
    return app


def api_routes() -> list[APIRoute]:
    return [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]


def _advertise_allowed_methods(app: FastAPI) -> None:
    """A 405 names every method the path supports (RFC 9110 §15.5.6), not just the first route's."""

    @app.middleware("http")
    async def allow_header(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        if response.status_code == 405:
            methods = {  # the routers' own routes: newer FastAPIs keep app.routes as included routers
                method
                for route in api_routes()
                if route.matches(request.scope)[0] != Match.NONE
                for method in route.methods or ()
            }
            response.headers["Allow"] = ", ".join(sorted(methods))
        return response
