"""The technology market in a real browser: an enterprise posts a demand through the public form (no account),
bureau staff approve it and see the matched achievements with the matched terms highlighted."""

from __future__ import annotations

from playwright.sync_api import expect

from kechuang.core.validators import credit_code_check_char
from kechuang.techmarket import index
from kechuang.techmarket.demo import ensure_vocabulary
from tests.techmarket import factories as f


def _library():
    # Earlier browser tests flush every table, the migration-seeded vocabulary included.
    ensure_vocabulary()
    f.achievement(
        title="建筑陶瓷辊道窑低温快烧节能技术",
        abstract="针对建筑陶瓷陶瓷砖生产线能耗高的问题，开发低温快烧配方和辊道窑余热回收系统，烧结温度降低50℃，"
        "单位产品能耗下降18%。",
        keywords=["建筑陶瓷", "低温快烧", "余热回收"],
    )
    f.achievement(
        title="污水处理厂剩余污泥厌氧消化",
        abstract="剩余污泥与餐厨垃圾协同厌氧消化产沼气。",
        keywords=["污泥", "厌氧消化"],
        field="environment",
    )
    f.achievement(
        title="锂离子电池高镍正极材料包覆改性",
        abstract="原子层沉积包覆提高锂离子电池循环寿命。",
        keywords=["锂离子电池"],
        field="new_energy",
    )
    index.rebuild()


def test_public_demand_review_and_matches(page, site, login, shot, settings, tmp_path):
    settings.TECHMARKET_INDEX_DIR = tmp_path / "match_index"
    index.reset()
    _library()
    # 1. an enterprise posts a demand without an account
    page.goto(f"{site}/techmarket/public/demand/")
    expect(page.get_by_role("heading", name="发布技术需求")).to_be_visible()
    body = "91370306MA3C7Q2K1"
    page.fill("#id_enterprise_name", "淄博新星陶瓷有限公司")
    page.fill("#id_credit_code", body + credit_code_check_char(body))
    page.select_option("#id_region", label="周村区")
    page.fill("#id_title", "瓷砖烧窑能耗高，寻求节能烧成技术")
    page.fill(
        "#id_description",
        "我公司有两条瓷砖生产线，辊道窑烧窑天然气消耗大，产品容易变形。希望引进低温快烧和余热利用技术，单位能耗降低15%以上。",
    )
    page.select_option("#id_field", label="新材料")
    page.select_option("#id_cooperation_mode", label="技术转让")
    page.fill("#id_contact_name", "王海燕")
    page.fill("#id_contact_phone", "13953312345")
    page.check("#id_consent")
    shot("techmarket-public-form")
    page.wait_for_timeout(3200)  # a person takes more than 3 s; faster posts are refused as automated
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_test_id("public-thanks")).to_be_visible()
    shot("techmarket-public-thanks")
    # 2. bureau staff review it
    page = login("bureau_staff")
    page.goto(f"{site}/techmarket/demands/?status=pending")
    page.get_by_test_id("demand-table").get_by_role("link", name="瓷砖烧窑能耗高，寻求节能烧成技术").click()
    expect(page.get_by_test_id("demand-status")).to_have_text("待审核")
    # the contact is masked for staff too; 显示完整信息 with a reason shows it once (and the audit log keeps why)
    expect(page.get_by_test_id("contact")).to_contain_text("139****2345")
    expect(page.get_by_test_id("contact")).not_to_contain_text("13953312345")
    page.get_by_test_id("unmask").locator("input[name=reason]").fill("审核需要核实联系人")
    page.get_by_role("button", name="显示完整信息").click()
    expect(page.get_by_test_id("unmasked")).to_contain_text("13953312345")
    page.get_by_role("button", name="审核通过并发布").click()
    expect(page.get_by_test_id("demand-status")).to_have_text("已发布")
    # 3. matched achievements, with the terms highlighted and the vocabulary expansion shown
    results = page.get_by_test_id("matched-achievements")
    expect(results.get_by_test_id("match-result").first).to_contain_text("建筑陶瓷辊道窑低温快烧节能技术")
    expect(results.locator("[data-testid=snippet] mark").first).to_be_visible()
    expect(results.get_by_test_id("match-result").first).to_contain_text("瓷砖 → 建筑陶瓷")
    shot("techmarket-demand-matches")
    # 4. recommend the first achievement: a match at the first workflow step
    results.get_by_role("button", name="推荐").first.click()
    expect(page.get_by_test_id("match-stage")).to_have_text("已推荐")
    page.get_by_role("button", name="记录已对接").click()
    expect(page.get_by_test_id("match-stage")).to_have_text("已对接")
    shot("techmarket-match")
    # 5. the published demand is in the index: the achievement's page pushes it
    page.goto(f"{site}/techmarket/search/?q=瓷砖&kind=demand")
    expect(page.get_by_test_id("search-results")).to_contain_text("瓷砖烧窑能耗高")


def test_search_facets_and_market_dashboard(page, site, login, shot, settings, tmp_path):
    import datetime as dt

    from kechuang.techmarket.models import Contract

    settings.TECHMARKET_INDEX_DIR = tmp_path / "match_index"
    index.reset()
    ensure_vocabulary()
    f.achievement(title="氧化铝陶瓷基板流延成型", trl=3, transfer_modes=["transfer"])
    f.achievement(title="氧化铝陶瓷低温共烧", trl=8, transfer_modes=["licence"])
    index.rebuild()
    today = dt.date.today()
    f.contract(status=Contract.Status.REGISTERED, signed_on=today, registered_on=today)
    page = login("bureau_staff")
    page.goto(f"{site}/techmarket/search/?q=氧化铝陶瓷&kind=achievement")
    facets = page.get_by_test_id("facets")
    expect(facets.locator("[data-facet=transfer_mode]")).to_contain_text("许可")
    expect(page.get_by_test_id("match-result")).to_have_count(2)
    facets.locator("[data-facet=maturity] [data-testid=facet-value]").first.click()
    expect(page.get_by_test_id("match-result")).to_have_count(1)
    expect(page.get_by_test_id("facet-on")).to_be_visible()
    shot("techmarket-search-facets")
    page.goto(f"{site}/techmarket/dashboard/")
    expect(page.get_by_test_id("market-kpis")).to_be_visible()
    expect(page.locator("#tm-chart-activity canvas")).to_have_count(1)
    expect(page.locator("#tm-chart-turnover canvas")).to_have_count(1)
    shot("techmarket-dashboard")


def test_import_reports_every_error_then_imports(page, site, login, shot, tmp_path):
    import openpyxl

    from kechuang.techmarket import importer
    from kechuang.techmarket.models import Demand

    spec = importer.SPECS["demand"]
    columns = {c.key: c for c in spec.columns}
    field = importer._zh(columns["field"].choices)[0]
    mode = importer._zh(columns["cooperation_mode"].choices)[0]

    def workbook(name: str, region: str, phone: str) -> str:
        book = openpyxl.Workbook()
        ws = book.active
        ws.title = spec.title
        ws.append([c.label for c in spec.columns])
        for title in ("窑炉余热回收", "废水回用"):
            values = {
                "enterprise_name": "淄博华光陶瓷有限公司",
                "region": region,
                "title": title,
                "description": "辊道窑烟气余热回收",
                "field": field,
                "cooperation_mode": mode,
                "contact_name": "王海燕",
                "contact_phone": phone,
            }
            ws.append([values.get(c.key) for c in spec.columns])  # by key: the template may gain columns
        path = tmp_path / name
        book.save(path)
        return str(path)

    page = login("bureau_staff")
    page.goto(f"{site}/techmarket/import/")
    page.select_option("#id_kind", value="demand")
    page.set_input_files("#id_file", workbook("bad.xlsx", "火星区", "13953312345"))
    page.get_by_role("button", name="校验并导入").click()
    errors = page.get_by_test_id("import-errors")
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors).to_contain_text("火星区")
    expect(page.get_by_test_id("annotated-link")).to_be_visible()  # the workbook with the errors marked
    shot("techmarket-import-errors")
    assert not Demand.objects.filter(title="窑炉余热回收").exists()
    page.get_by_role("link", name="返回导入页面").first.click()  # from the import job's page
    page.select_option("#id_kind", value="demand")
    page.set_input_files("#id_file", workbook("good.xlsx", "张店区", "13953312345"))
    page.get_by_role("button", name="校验并导入").click()
    expect(page.get_by_test_id("import-status")).to_contain_text("已导入 2 条记录")
    assert Demand.objects.filter(title__in=["窑炉余热回收", "废水回用"]).count() == 2


def test_check_queries_run_and_show_pass_and_fail(page, site, login, shot, settings, tmp_path):
    from kechuang.techmarket.models import MatchCheck

    settings.TECHMARKET_INDEX_DIR = tmp_path / "match_index"
    index.reset()
    _library()
    MatchCheck.objects.all().delete()  # the migration's seed rows, when no earlier browser test flushed them
    MatchCheck.objects.create(
        query="瓷砖窑炉烧成能耗太高，有没有节能的办法", any_terms=["低温快烧", "余热回收"], note="陶瓷：窑炉节能"
    )
    MatchCheck.objects.create(query="锂电池用久了容量掉得快", any_terms=["锂离子电池"], note="新能源：电池寿命")
    MatchCheck.objects.create(query="锂电池用久了容量掉得快", any_terms=["污泥"], note="测试：不通过")
    MatchCheck.objects.create(query="想找工业机器人抓取的技术", any_terms=["机器人"], note="智能制造：无应答记录")
    page = login("bureau_staff")
    page.goto(f"{site}/techmarket/checks/")
    expect(page.get_by_test_id("check-row")).to_have_count(4)
    expect(page.get_by_test_id("check-summary")).to_have_count(0)
    page.get_by_test_id("run-checks").click()
    summary = page.get_by_test_id("check-summary")
    expect(summary).to_contain_text("前10条命中率")
    expect(summary).to_contain_text("66.7%")
    results = page.get_by_test_id("check-result")
    expect(results.filter(has_text="未通过")).to_have_count(1)
    expect(results.filter(has_text="无应答记录")).to_have_count(1)
    expect(page.get_by_test_id("answering").first).to_be_visible()
    shot("techmarket-check-queries")


def test_registering_a_contract_moves_the_turnover(page, site, login, shot):
    """Acceptance (issue 6): register a contract and see the turnover move on the market dashboard and in the
    indicator module (the registered-turnover indicator, by district)."""
    import datetime as dt
    from decimal import Decimal

    from kechuang.core.models import OrgUnit
    from kechuang.indicators.catalogue import catalogue_load
    from kechuang.techmarket.models import Contract

    catalogue_load(actor=None, city=OrgUnit.objects.get(code="zibo", parent=None))
    today = dt.date.today()
    c = f.contract(
        status=Contract.Status.ACCEPTED,
        signed_on=today,
        submitted_on=today,
        accepted_on=today,
        rule_version="2001",
        total_amount_wan=Decimal("260"),
        project_name="陶瓷低温烧结助剂技术开发",
    )
    page = login("bureau_staff")
    page.goto(f"{site}/techmarket/dashboard/")
    expect(page.get_by_test_id("market-kpis")).to_contain_text("登记成交额")
    expect(page.get_by_test_id("market-kpis")).not_to_contain_text("260.00")

    page.goto(f"{site}/techmarket/contracts/{c.pk}/")
    page.locator("input[name=technology_amount_wan]").fill("260")
    page.get_by_role("button", name="核定并登记").click()
    expect(page.get_by_test_id("contract-status")).to_have_text("已登记")

    page.goto(f"{site}/techmarket/dashboard/")
    expect(page.get_by_test_id("market-kpis")).to_contain_text("260.00")
    page.goto(f"{site}/indicators/districts/?indicator=tech_contract_turnover_registered_output&year={today.year}")
    table = page.get_by_test_id("region-table")
    expect(table).to_contain_text("张店区")
    expect(table).to_contain_text("260")
    shot("indicators-registered-turnover")
