"""Enterprise.tech_field from free text to the shared code list (kechuang.core.codes.TechField).

Each stored text is read as one of the 8 fields of 《国家重点支持的高新技术领域》, in this order:
1. the code itself, or the field's Chinese or English name (the whole text);
2. the catalogue's own numbering at the start ("四、新材料（陶瓷）" → new_materials);
3. the field's Chinese name anywhere in the text;
4. keywords (电子/软件/通信… → electronic information, 医药/医疗… → biomedicine, …), only when the keywords of
   exactly one field occur; a text that names two fields is not guessed.

Decision on what cannot be read: the code is left empty and the text is kept, never dropped and never refused
(refusing would stop a deployment over a free-text column). The old text goes to the new, visible
`tech_field_note` ("high-tech field as first entered", shown on the enterprise page and editable there) when no
code was read, and also when it says more than the field's bare name (a sub-field such as "（五）新型机械"), so
nothing that was entered is lost. Going back writes the note, or else the field's Chinese name, into the text.

The column gets its choices and width in 0005, a transaction of its own (no ALTER after the UPDATE here,
which PostgreSQL may refuse while deferred checks are pending). The tables below are frozen here on purpose: a migration must give the same result whatever the code list later
becomes.
"""

from django.db import migrations, models

NAMES = {
    "electronic_info": ("电子信息", "Electronic information"),
    "biomedicine": ("生物与新医药", "Biotechnology and new medicine"),
    "aerospace": ("航空航天", "Aerospace"),
    "new_materials": ("新材料", "New materials"),
    "high_tech_services": ("高技术服务", "High-tech services"),
    "new_energy": ("新能源与节能", "New energy and energy saving"),
    "environment": ("资源与环境", "Resources and environment"),
    "advanced_manufacturing": ("先进制造与自动化", "Advanced manufacturing and automation"),
}
NUMBERS = dict(zip("一二三四五六七八", NAMES, strict=True))
KEYWORDS = {
    "electronic_info": ("电子", "软件", "集成电路", "芯片", "通信", "计算机", "互联网", "信息技术", "大数据"),
    "biomedicine": ("生物", "医药", "医疗", "药物", "制药", "疫苗", "诊断"),
    "aerospace": ("航空", "航天", "卫星", "无人机"),
    "new_materials": ("材料", "陶瓷", "高分子", "合金", "复合"),
    "high_tech_services": ("技术服务", "检验检测", "研发设计", "科技服务", "文化创意"),
    "new_energy": ("新能源", "节能", "储能", "光伏", "风电", "氢能", "电池"),
    "environment": ("环境", "环保", "资源综合利用", "污染", "水处理", "固废"),
    "advanced_manufacturing": ("制造", "自动化", "装备", "机械", "机器人", "数控"),
}
_PUNCTUATION = " 　、，,.。:：;；/\\-—()（）[]【】"


def read_code(text: str) -> str:
    """The field code a free text names, or "" when none (or more than one) can be read from it."""
    bare = text.strip()
    if not bare:
        return ""
    for code, (zh, en) in NAMES.items():
        if bare in (code, zh) or bare.casefold() == en.casefold():
            return code
    if bare[0] in NUMBERS and bare[1:2] in ("、", ".", "．", " "):
        return NUMBERS[bare[0]]
    named = [code for code, (zh, _en) in NAMES.items() if zh in bare]
    if len(named) == 1:
        return named[0]
    hits = {code for code, words in KEYWORDS.items() if any(word in bare for word in words)}
    return hits.pop() if len(hits) == 1 else ""


def _says_more(text: str, code: str) -> bool:
    """Does the text carry more than the field's name (and the catalogue number before it)?"""
    rest = text.strip()
    if rest.casefold() == NAMES[code][1].casefold():
        return False
    if rest[:1] in NUMBERS and rest[1:2] in ("、", ".", "．", " "):
        rest = rest[2:]
    rest = rest.replace(NAMES[code][0], "").replace(code, "")
    return bool(rest.strip(_PUNCTUATION))


def to_codes(apps, schema_editor):
    Enterprise = apps.get_model("enterprises", "Enterprise")
    changed = []
    for enterprise in Enterprise.objects.exclude(tech_field="").only("id", "tech_field", "tech_field_note"):
        text = enterprise.tech_field
        code = read_code(text)
        enterprise.tech_field = code
        if not code or _says_more(text, code):
            enterprise.tech_field_note = text.strip()[:200]
        changed.append(enterprise)
    Enterprise.objects.bulk_update(changed, ["tech_field", "tech_field_note"], batch_size=1000)


def to_text(apps, schema_editor):
    Enterprise = apps.get_model("enterprises", "Enterprise")
    changed = []
    for enterprise in Enterprise.objects.only("id", "tech_field", "tech_field_note"):
        text = enterprise.tech_field_note or (NAMES[enterprise.tech_field][0] if enterprise.tech_field else "")
        if text != enterprise.tech_field:
            enterprise.tech_field = text
            changed.append(enterprise)
    Enterprise.objects.bulk_update(changed, ["tech_field"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0003_delete_import_job"),
    ]

    operations = [
        migrations.AddField(
            model_name="enterprise",
            name="tech_field_note",
            field=models.CharField(blank=True, max_length=200, verbose_name="high-tech field as first entered"),
        ),
        migrations.RunPython(to_codes, to_text),
    ]
