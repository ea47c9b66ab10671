"""Defect 17: page errors — the CSP error htmx caused on every page, the broken favicon, Django's debug page."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

from tests.conftest import ROOT
from tests.visible_text import visible_text

pytestmark = pytest.mark.django_db


def test_htmx_injects_no_inline_style(client_as):
    html = client_as("bureau_staff").get("/").content.decode()
    # htmx adds a <style> element for its indicators unless told not to; the CSP (style-src 'self') refuses it.
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in html
    css = Path(finders.find("kechuang/kechuang.css")).read_text(encoding="utf-8")
    assert ".htmx-indicator" in css and ".htmx-request .htmx-indicator" in css


def test_favicon_is_served_here_not_redirected(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200, response.get("Location")
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_make_run_settings_keep_debug_off():
    env = {k: v for k, v in os.environ.items() if k not in ("KECHUANG_DEBUG", "KECHUANG_ENV")}
    env["DJANGO_SETTINGS_MODULE"] = "kechuang.settings"
    probe = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    assert (
        subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True).stdout.strip()
        == "False"
    )
    env["KECHUANG_DEBUG"] = "1"
    assert (
        subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True).stdout.strip()
        == "True"
    )


@pytest.mark.parametrize("language, heading", [("zh-hans", "页面不存在"), ("en", "Not found")])
def test_404_under_development_settings_shows_the_chinese_page(client_as, language, heading):
    client = client_as("bureau_staff")
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    html = response.content.decode()
    assert "URLconf" not in html and "urlpatterns" not in html
    text = visible_text(html)
    assert heading in text
    assert 'class="sidenav"' in html  # the layout, with the menu


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    "template, zh_heading", [("400.html", "请求无效"), ("403.html", "无权访问"), ("500.html", "系统出错")]
)
def test_error_pages_exist_in_chinese(template, zh_heading):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("zh-hans"):
        html = render_to_string(template)
    assert zh_heading in visible_text(html)


def test_500_page_is_rendered_by_the_handler(client_as):
    from django.urls import path

    def boom(request):
        raise RuntimeError("boom")

    urlconf = type(
        "urls", (), {"urlpatterns": [path("boom/", boom)], "handler500": "django.views.defaults.server_error"}
    )
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")
    with override_settings(ROOT_URLCONF=urlconf):
        response = client.get("/boom/")
    assert response.status_code == 500
    assert "系统出错" in visible_text(response.content.decode())
