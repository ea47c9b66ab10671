"""An account's life as its people meet it: the system administrator creates it, the new user changes the
temporary password and waits for a role, the security administrator grants one (with a confirmation), and the
user sets up the second factor and keeps the recovery codes."""

from __future__ import annotations

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from kechuang.core.models import User

NEW_PASSWORD = "Sun-Flower-2026-淄博"


def _log_out(page) -> None:
    page.get_by_role("banner").get_by_role("button", name="退出").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url or url.endswith("/accounts/logout/"))


def _log_in(page, site, username: str, password: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_an_account_from_creation_to_its_second_factor(login, site, shot, page):
    # The system administrator creates the account and is shown its temporary password once.
    login("sysadmin")
    expect(page.get_by_test_id("user-table")).to_be_visible()
    shot("accounts-user-list")
    page.get_by_role("link", name="新建账号").click()
    page.fill("input[name=username]", "wang_xiaoming")
    page.fill("input[name=display_name]", "王小明")
    page.get_by_role("button", name="保存").click()
    temporary = page.get_by_test_id("temporary-password").inner_text().strip()
    assert len(temporary) >= 12
    shot("accounts-temporary-password")
    _log_out(page)

    # The new user must choose a password, then learns that the account waits for its role.
    _log_in(page, site, "wang_xiaoming", temporary)
    expect(page.get_by_test_id("password-change-reason")).to_be_visible()
    page.fill("input[name=old_password]", temporary)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.get_by_role("button", name="修改密码").click()
    expect(page.get_by_test_id("awaiting-role")).to_contain_text("尚未分配角色")
    shot("accounts-awaiting-role")
    _log_out(page)

    # The security administrator grants bureau staff, after a confirmation step.
    login("secadmin")
    user = User.objects.get(username="wang_xiaoming")
    page.goto(f"{site}/accounts/users/{user.pk}/grant/")
    page.select_option("select[name=role]", "bureau_staff")
    page.get_by_role("button", name="继续").click()
    expect(page.get_by_role("alert")).to_contain_text("wang_xiaoming")
    shot("accounts-grant-confirm")
    assert User.objects.get(pk=user.pk).role == "pending"  # nothing granted before the confirmation
    page.get_by_role("button", name="确认授权").click()
    expect(page.get_by_test_id("user-table")).to_be_visible()
    assert User.objects.get(pk=user.pk).role == "bureau_staff"
    _log_out(page)

    # Bureau staff may unmask personal data: the first log-in enrols an authenticator, then shows the codes.
    _log_in(page, site, "wang_xiaoming", NEW_PASSWORD)
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()
    shot("accounts-second-factor-enrol")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.fill("input[name=token]", f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}")
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    shot("accounts-recovery-codes")
    page.get_by_role("link", name="继续").click()
    expect(page.locator("h1")).to_have_text("驾驶舱")
