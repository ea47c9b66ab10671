"""Checklist item 19 (security-baseline.md §5): the response headers of residual-information protection, CSP, and
what error reports may carry."""

from __future__ import annotations

import logging
import sys

import pytest
from django.core import mail
from django.http import FileResponse
from django.test import RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.log import AdminEmailHandler

from kechuang.core.private_responses import PrivateResponseMiddleware
from tests.conftest import PASSWORD, PERSONAS

pytestmark = pytest.mark.django_db

DOWNLOAD_SUFFIXES = (".xlsx", ".csv", ".pdf")


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def _download_urls() -> list[str]:
    """Every URL without parameters whose route names a file: the exports and the templates to download."""
    found = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif (
                isinstance(entry, URLPattern)
                and entry.name
                and not entry.pattern.converters
                and str(entry.pattern).endswith(DOWNLOAD_SUFFIXES)
            ):
                found.append(reverse(namespace + entry.name))

    walk(get_resolver().url_patterns, "", "")
    return sorted(set(found))


def test_item_19_no_store_on_every_signed_in_page(client_as):
    client = client_as("bureau_staff")
    for name in ("cockpit", "enterprises:list", "techmarket:experts", "core:liaison_list"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert _no_store(response), f"{name}: {response.get('Cache-Control')!r}"


def test_item_19_no_store_on_every_export_and_download(client_as):
    urls = _download_urls()
    assert len(urls) >= 8, urls  # the exports of every module and the import templates
    client = client_as("bureau_admin")
    served = 0
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue
        served += 1
        assert "attachment" in response.get("Content-Disposition", ""), url
        assert _no_store(response), f"{url}: {response.get('Cache-Control')!r}"
    assert served >= 8


def test_item_19_no_store_on_a_file_sent_to_an_anonymous_visitor():
    """A download needs no-store even without a session (a public form's receipt, a shared export link)."""
    request = RequestFactory().get("/receipt.pdf")

    def view(request):
        return FileResponse(iter([b"%PDF-"]), as_attachment=True, filename="receipt.pdf")

    response = PrivateResponseMiddleware(view)(request)
    assert _no_store(response)


def test_item_19_public_static_files_stay_cacheable(client):
    """The rule is about personal data: the anonymous login page's stylesheet is not made no-store."""
    response = client.get("/static/kechuang/kechuang.css")
    assert response.status_code == 200
    assert not _no_store(response)


def test_item_19_csp_header_on_pages(client_as, client):
    for response in (client.get(reverse("login")), client_as("leader").get(reverse("cockpit"))):
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy


def test_item_19_clear_site_data_on_logout(client_as):
    client = client_as("leader")
    page = client.get(reverse("cockpit"))
    assert "Clear-Site-Data" not in page
    response = client.post(reverse("logout"))
    assert response.status_code in (200, 302)
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert _no_store(response)


def test_item_19_login_marks_its_post_parameters_sensitive(client):
    username = PERSONAS["leader"][0]
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD + "x"})
    assert response.wsgi_request.sensitive_post_parameters == "__ALL__"


@override_settings(ADMINS=[("ops", "ops@example.org")], DEBUG=False)
def test_item_19_error_mail_carries_no_personal_data():
    """An error mail (AdminEmailHandler) keeps the traceback and field names, never the values."""
    phone, id_number, email = "13812345678", "370302199001011234", "zhang.san@example.cn"
    request = RequestFactory().post(f"/enterprises/?q={phone}", {"contact_phone": phone, "id_number": id_number})
    request.user = None
    contact_email = email  # a local variable of the failing frame  # noqa: F841
    try:
        raise ValueError("import failed")
    except ValueError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", (request.path,), sys.exc_info()
        )
    record.request = request
    record.status_code = 500
    AdminEmailHandler(include_html=True).emit(record)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    bodies = [message.body, *(content for content, _type in message.alternatives)]
    assert "contact_phone" in message.body and "ValueError" in message.body
    for body in bodies:
        for value in (phone, id_number, email):
            assert value not in body
