"""The HTTP API under /api/, OpenAPI docs at /api/docs."""

from ninja import NinjaAPI

from kechuang.core.api import router as core_router
from kechuang.core.api_auth import AUTH, install_error_handlers
from kechuang.policy.api import router as policy_router

api = NinjaAPI(
    title="Kechuang API",
    version="1",
    description=(
        "科创平台 API. Bearer tokens (`Authorization: Bearer kc_…`) for machine clients; the session for pages."
    ),
    auth=AUTH,
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/", core_router)
api.add_router("/", policy_router)
