"""Error reports (the mails of AdminEmailHandler, the 500 report) without personal data (剩余信息保护; item 19).

Django's own filter hides only settings and POST fields it is told are sensitive. A form of this platform carries
phones, ID numbers and e-mail addresses under many names, and a traceback's local variables hold them decrypted, so
outside DEBUG every POST value, every query-string value and every frame variable is replaced: the report keeps the
traceback, the URL and the field names, which is what a developer needs to find the fault.
"""

from __future__ import annotations

from typing import Any

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    """Cleanses all POST values and all frame variables whenever the filter is active (DEBUG off)."""

    def get_post_parameters(self, request: Any) -> Any:
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        cleansed = request.POST.copy()
        for name in cleansed:
            cleansed[name] = self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> list[tuple[str, Any]]:
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]

    def get_safe_request_meta(self, request: Any) -> dict[str, Any]:
        meta = super().get_safe_request_meta(request)
        if self.is_active(request):
            # The raw query string and the referring address repeat the GET values.
            for name in ("QUERY_STRING", "HTTP_REFERER", "REQUEST_URI", "RAW_URI"):
                if name in meta:
                    meta[name] = self.cleansed_substitute
        return meta


class PersonalDataExceptionReporter(ExceptionReporter):
    """The query string's values go too (Django's filter leaves GET and the URL alone; a search may be a phone)."""

    def get_traceback_data(self) -> dict[str, Any]:
        data = super().get_traceback_data()
        if self.request is not None and self.filter.is_active(self.request):
            substitute = self.filter.cleansed_substitute
            data["request_GET_items"] = [(name, substitute) for name in self.request.GET]
            if "request_insecure_uri" in data:
                data["request_insecure_uri"] = self.request.path
        return data
