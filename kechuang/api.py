"""The HTTP API under /api/, OpenAPI docs at /api/docs. Each module contributes the `router` of its api.py."""

from ninja import NinjaAPI
from ninja.operation import Operation

from kechuang.core.api_auth import AUTH, docs_require_sign_in, install_error_handlers
from kechuang.core.registry import app_submodule, kechuang_apps


class KechuangAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """`<module>_<view>` as ninja names it, with an app's api package as the module even when the view sits in
        one of its sub-modules (techmarket/api/contracts.py): splitting an api.py keeps its operation ids."""
        package, inside, _sub = operation.view_func.__module__.partition(".api.")
        if not inside:
            return super().get_openapi_operation_id(operation)
        return f"{package}_api_{operation.view_func.__name__}".replace(".", "_")


api = KechuangAPI(
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
