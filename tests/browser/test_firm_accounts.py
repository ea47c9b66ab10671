"""A firm asks for its portal account on a phone, the district confirms it, and the firm's administrator manages the
firm's accounts (issue 18 §1), at 360 px and 1440 px."""

from __future__ import annotations

from playwright.sync_api import expect

from kechuang.core.models import OrgUnit, User
from kechuang.core.roles import Role
from kechuang.core.validators import credit_code_check_char
from tests.browser.conftest import sign_in

NEW_PASSWORD = "Qiye-Mima#2026"
PHONE = {"width": 360, "height": 780}
DESK = {"width": 1440, "height": 900}


def _firm():
    from kechuang.enterprises.models import Enterprise

    first17 = "91370303MA3C5005X"
    unit = OrgUnit.objects.get(code="zhangdian", kind=OrgUnit.Kind.REGION)
    return Enterprise.objects.create(
        credit_code=first17 + credit_code_check_char(first17), name="淄博示例新材料有限公司", region=unit
    )


def test_registration_confirmation_and_the_firms_accounts(site, page, shot):
    firm = _firm()
    page.set_viewport_size(PHONE)
    page.goto(f"{site}/accounts/register/")
    expect(page.get_by_test_id("privacy-notice")).to_be_visible()
    shot("portal-register-360")
    # a wrong check digit and no consent: each field says what is wrong, nothing is stored
    page.fill("#id_credit_code", firm.credit_code[:-1] + ("0" if firm.credit_code[-1] != "0" else "1"))
    page.fill("#id_organisation", firm.name)
    page.fill("#id_contact_name", "孙经理")
    page.fill("#id_email", "sun@example.com")
    page.fill("#id_mobile", "13900139000")
    page.fill("#id_username", "sun_jingli")
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator(".field.has-error")).to_have_count(2)
    shot("portal-register-errors-360")
    page.fill("#id_credit_code", firm.credit_code)
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.check("#id_consent")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_test_id("register-done")).to_be_visible()
    assert not User.objects.filter(username="sun_jingli").exists()

    page.set_viewport_size(DESK)
    page.goto(f"{site}/accounts/register/")
    shot("portal-register-1440")

    # the district officer confirms it
    sign_in(page, site, "zhangdian_officer")
    page.goto(f"{site}/accounts/requests/")
    expect(page.get_by_test_id("request-table")).to_contain_text("sun_jingli")
    shot("portal-registration-queue-1440")
    page.get_by_role("button", name="确认").click()
    expect(page.locator(".msg-success")).to_be_visible()
    user = User.objects.get(username="sun_jingli")
    assert user.role == Role.ENTERPRISE and user.is_org_admin

    # the firm's administrator (the enterprise persona, of this firm) and its colleague
    User.objects.filter(pk=user.pk).update(is_org_admin=False)  # one administrator per firm: the persona
    User.objects.filter(role=Role.ENTERPRISE, username__startswith="p_").update(
        credit_code=firm.credit_code, organisation=firm.name
    )
    page.context.clear_cookies()
    sign_in(page, site, "enterprise_admin")
    page.goto(f"{site}/accounts/firm-users/")
    expect(page.get_by_test_id("firm-user-table")).to_contain_text("sun_jingli")
    shot("portal-firm-users-1440")
    page.set_viewport_size(PHONE)
    page.fill("#id_username", "qian_gong")
    page.fill("#id_display_name", "钱工")
    page.get_by_role("button", name="添加账号").click()
    expect(page.get_by_test_id("temporary-password")).to_be_visible()
    page.goto(f"{site}/accounts/firm-users/")
    shot("portal-firm-users-360")


def test_the_firms_administrator_issues_an_api_token_that_reads_its_portal(site, page, shot):
    """Issue 18 §7: the administrator issues a read-only token on a phone, sees it once, and it reads the firm's
    portal API; revoked, it no longer does."""
    firm = _firm()
    User.objects.filter(role=Role.ENTERPRISE, username__startswith="p_").update(
        credit_code=firm.credit_code, organisation=firm.name
    )
    sign_in(page, site, "enterprise_admin")
    page.set_viewport_size(PHONE)
    page.goto(f"{site}/accounts/firm-users/")
    page.get_by_test_id("firm-tokens-link").click()
    page.fill("#id_name", "ERP 每晚同步")
    page.get_by_label("只读").check()
    page.get_by_role("button", name="签发").click()
    raw = page.get_by_test_id("firm-token").inner_text().strip()
    assert raw.startswith("kc_")
    shot("portal-firm-token-issued-360")
    machine = page.context.browser.new_context()  # the firm's system: no session, the token only
    home = machine.request.get(f"{site}/api/portal/home", headers={"Authorization": f"Bearer {raw}"})
    assert home.status == 200 and home.json()["credit_code"] == firm.credit_code
    page.goto(f"{site}/accounts/firm-api-tokens/")
    expect(page.get_by_test_id("firm-token-table")).to_contain_text("ERP 每晚同步")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot("portal-firm-tokens-360")
    page.set_viewport_size(DESK)
    shot("portal-firm-tokens-1440")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="撤销").click()
    expect(page.locator('[data-token-state="revoked"]')).to_have_count(1)
    refused = machine.request.get(f"{site}/api/portal/home", headers={"Authorization": f"Bearer {raw}"})
    assert refused.status == 401
    machine.close()
