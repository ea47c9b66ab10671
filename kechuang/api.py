"""The HTTP API under /api/, OpenAPI docs at /api/docs. Each module contributes the `router` of its api.py."""

from ninja import NinjaAPI

from kechuang.core.api_auth import AUTH, docs_require_sign_in, install_error_handlers
from kechuang.core.registry import app_submodule, kechuang_apps

api = NinjaAPI(
    title="Kechuang API",
    version="1",
    description=(
        "科创平台 API. Bearer tokens (`Authorization: Bearer kc_…`) for machine clients; the session for pages."
    ),
    auth=AUTH,
    urls_namespace="api",
    docs_decorator=docs_require_sign_in,
)
install_error_handlers(api)
for config in kechuang_apps():
    module = app_submodule(config, "api")
    if module is not None and hasattr(module, "router"):
        api.add_router("/", module.router)
