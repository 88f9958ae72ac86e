"""Invented prose for the sample leak: a fictional provincial bureau and its correspondents.

Every name of a person, unit and place here is made up. The "Xilan Provincial Bureau of
Ethnic Affairs and Population Management" (西澜省民族事务与人口管理局) and its counties do
not exist; ID numbers use the unassigned region prefix 76 and so match no real person.

Templates with slots (names, dates, numbers, ID-like numbers, phone numbers) give
thousands of distinct documents. Each document carries a serial-based number, so two
documents built from different indexes never share their distinctive phrases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

CST = timezone(timedelta(hours=8))

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯董程曹袁邓许傅沈彭吕苏卢蒋蔡"
GIVEN = "建国志强海涛秀英晓明红梅文博立新永华丽娟玉兰德胜春燕子涵思远雨桐宏伟桂芳振东淑珍俊杰"
# Uyghur names as (Chinese transliteration, Arabic script, Latin) so a person can be found
# across the languages of the cache.
UYGHUR_NAMES: tuple[tuple[str, str, str], ...] = (
    ("阿不都热依木", "ئابدۇرېھىم", "Abdurehim"), ("买买提明", "مەمتىمىن", "Memtimin"),
    ("艾合买提", "ئەخمەت", "Ehmet"), ("古丽娜尔", "گۈلنار", "Gulnar"),
    ("帕提古丽", "پاتىگۈل", "Patigul"), ("阿依古丽", "ئايگۈل", "Aygul"),
    ("吐尔逊", "تۇرسۇن", "Tursun"), ("阿不力米提", "ئابلىمىت", "Ablimit"),
    ("麦麦提江", "مەمەتجان", "Memetjan"), ("艾尔肯", "ئەركىن", "Erkin"),
    ("努尔麦麦提", "نۇرمەمەت", "Nurmemet"), ("热依汗", "رەيھان", "Reyhan"),
    ("祖力皮亚", "زۇلپىيە", "Zulpiye"), ("阿迪力", "ئادىل", "Adil"),
)
UYGHUR_FATHERS = (("托合提", "توختى", "Tohti"), ("喀斯木", "قاسىم", "Qasim"),
                  ("热合曼", "رەھمان", "Rehman"), ("沙吾提", "ساۋۇت", "Sawut"),
                  ("依明", "ئىمىن", "Imin"), ("玉苏甫", "يۈسۈپ", "Yusup"))
# (Simplified, Traditional, Uyghur, English) for each invented place.
PLACES: tuple[tuple[str, str, str, str], ...] = (
    ("赤河市", "赤河市", "قىزىلدەريا شەھىرى", "Chihe City"),
    ("白泉县", "白泉縣", "ئاقبۇلاق ناھىيىسى", "Baiquan County"),
    ("松岗县", "松崗縣", "قارىغاي ناھىيىسى", "Songgang County"),
    ("塔尔汗县", "塔爾汗縣", "تارخان ناھىيىسى", "Tarhan County"),
    ("阔勒湾县", "闊勒灣縣", "كۆلۋان ناھىيىسى", "Kolwan County"),
    ("青柳镇", "青柳鎮", "كۆكتال بازىرى", "Qingliu Town"),
    ("红石乡", "紅石鄉", "قىزىلتاش يېزىسى", "Hongshi Township"),
)
PROVINCE = "西澜省"
BUREAU = "西澜省民族事务与人口管理局"
BUREAU_HANT = "西瀾省民族事務與人口管理局"
BUREAU_UG = "شىلەن ئۆلكىلىك مىللەتلەر ئىشلىرى ۋە نوپۇس باشقۇرۇش ئىدارىسى"
BUREAU_EN = "Xilan Provincial Bureau of Ethnic Affairs and Population Management"
UNITS = ("办公室", "人口信息管理处", "基层工作指导处", "宣传教育处", "信息技术中心",
         "督查考核处", "后勤保障处")
MAIL_DOMAIN = "xlmzrk.gov.example"
CONTRACTOR = "Northgate Vision Systems Ltd."
CONTRACTOR_DOMAIN = "northgate-vision.example"


@dataclass(frozen=True)
class Person:
    name: str  # in the document's own script
    name_zh: str
    latin: str
    phone: str
    id_number: str
    email: str


@dataclass(frozen=True)
class Document:
    """One invented document, independent of the file format that will carry it."""

    kind: str  # notice, minutes, report, register, memo, letter
    language: str  # BCP 47: zh-Hans, zh-Hant, ug, en, ru, ja
    title: str
    number: str  # the document's reference number, unique per index
    unit: str
    author: Person
    date: datetime
    paragraphs: tuple[str, ...]
    table: tuple[tuple[str, ...], ...] = ()  # header row first; may be empty
    contains: tuple[str, ...] = ()  # short phrases that must survive extraction
    keywords: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Mail:
    language: str
    sender: Person
    recipients: tuple[Person, ...]
    subject: str
    paragraphs: tuple[str, ...]
    date: datetime
    message_id: str
    contains: tuple[str, ...]


def id_number(rng: random.Random, born: datetime) -> str:
    """An 18-character resident-ID-like number with a valid ISO 7064 check character."""
    body = f"76{rng.randint(1000, 9999)}{born:%Y%m%d}{rng.randint(100, 999)}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"


def person(rng: random.Random, script: str = "han", uyghur: bool | None = None) -> Person:
    """A fictional person; `script` picks the form of the name used in the text."""
    born = datetime(1958, 1, 1) + timedelta(days=rng.randint(0, 40 * 365))
    if uyghur if uyghur is not None else (script == "arabic" or rng.random() < 0.35):
        given, father = rng.choice(UYGHUR_NAMES), rng.choice(UYGHUR_FATHERS)
        zh = f"{given[0]}·{father[0]}"
        latin = f"{given[2]} {father[2]}"
        name = {"arabic": f"{given[1]} {father[1]}", "latin": latin}.get(script, zh)
    else:
        zh = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        latin = zh  # reports in English keep Han names in characters
        name = zh
    handle = "".join(c for c in latin.lower() if c.isascii() and c.isalpha())[:10] or "staff"
    return Person(name, zh, latin, phone(rng), id_number(rng, born),
                  f"{handle}{rng.randint(10, 99)}@{MAIL_DOMAIN}")


def _date(rng: random.Random) -> datetime:
    start = datetime(2016, 3, 1, 9, 0, tzinfo=CST)
    return start + timedelta(days=rng.randint(0, 6 * 365), minutes=rng.randint(0, 9 * 60))


def _zh_date(d: datetime) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# --- Simplified Chinese ---------------------------------------------------------------

ZH_TOPICS = ("流动人口信息核查", "社区网格化管理", "重点人员动态排查", "入户走访登记",
             "宗教活动场所登记", "便民警务站值守", "人口数据质量提升", "双语宣讲",
             "边境通行证件清理", "出入境证件集中保管", "暂住人员登记", "访惠聚驻村")
ZH_NOTICE_TITLES = ("关于开展{year}年度{topic}工作的通知", "关于进一步做好{topic}工作的通知",
                    "关于报送{month}月份{topic}情况的通知", "关于印发{topic}工作方案的通知")
ZH_SENTENCES = (
    "各单位要高度重视{topic}工作，主要负责同志要亲自过问，确保各项措施落到实处。",
    "截至{date}，{place}共登记在册人员{n}人，较上月增加{m}人。",
    "请各市（州）局于{date}前将汇总表报送{unit}，逾期未报的将予以通报。",
    "{place}要结合实际，制定具体实施方案，明确责任人和完成时限。",
    "对排查中发现的问题，要建立台账，逐项销号，做到底数清、情况明。",
    "本次工作共抽调工作人员{m}名，分{k}个小组开展入户核查。",
    "数据录入完成率须达到{pct}%以上，信息准确率不低于{pct2}%。",
    "各工作站要严格落实二十四小时值班制度，遇有重大情况及时报告。",
    "{place}在{topic}中成绩突出，经验做法值得各地学习借鉴。",
    "工作中要注意方式方法，严禁简单粗暴，严防引发群体性事件。",
    "系统账号实行专人专用，严禁转借他人，严禁将数据拷贝至互联网计算机。",
    "联系人：{person}，联系电话：{phone}。",
    "会议要求，{unit}牵头，各处室配合，于{date}前完成全部整改任务。",
    "对{place}上报的{n}条线索，已逐一核实，其中{m}条需进一步跟进。",
    "经费由省局统一列支，各地不得另行向群众收取任何费用。",
)
ZH_MINUTES_ITEMS = ("听取了{place}关于{topic}工作的情况汇报",
                    "研究了{year}年第{q}季度考核办法",
                    "讨论了信息系统升级改造方案，预算{n}万元",
                    "部署了下一阶段{topic}重点任务")


def _zh_fill(rng: random.Random, template: str, topic: str, unit: str) -> str:
    place = rng.choice(PLACES)[0]
    n = rng.randint(120, 98_000)
    return template.format(topic=topic, place=place, unit=unit, n=n,
                           m=rng.randint(3, 400), k=rng.randint(2, 12),
                           pct=rng.randint(90, 99), pct2=rng.randint(95, 99),
                           date=_zh_date(_date(rng)), person=person(rng).name,
                           phone=phone(rng), year=rng.randint(2016, 2022), q=rng.randint(1, 4))


def _zh_paragraphs(rng: random.Random, topic: str, unit: str, count: int) -> list[str]:
    return ["".join(_zh_fill(rng, s, topic, unit) for s in rng.sample(ZH_SENTENCES, 3))
            for _ in range(count)]


def register_table(rng: random.Random, rows: int, header_lang: str = "zh-Hans"
                   ) -> tuple[tuple[str, ...], ...]:
    """A personnel register: the kind of table leaked spreadsheets are full of."""
    header = {"zh-Hans": ("序号", "姓名", "性别", "民族", "公民身份号码", "联系电话", "现住址",
                          "类别"),
              "en": ("No.", "Name", "Sex", "Ethnicity", "ID number", "Phone", "Address",
                     "Category")}[header_lang]
    out = [header]
    for i in range(1, rows + 1):
        p = person(rng)
        uyghur = "·" in p.name_zh
        out.append((str(i), p.name_zh if header_lang != "en" else p.latin,
                    rng.choice(("男", "女")) if header_lang != "en" else rng.choice("MF"),
                    ("维吾尔族" if uyghur else "汉族") if header_lang != "en"
                    else ("Uyghur" if uyghur else "Han"),
                    p.id_number, p.phone,
                    f"{rng.choice(PLACES)[0]}{rng.randint(1, 40)}村{rng.randint(1, 200)}号",
                    rng.choice(("一般", "关注", "重点", "已核销"))))
    return tuple(out)


def zh_document(rng: random.Random, serial: int, kind: str = "notice") -> Document:
    topic = rng.choice(ZH_TOPICS)
    unit = rng.choice(UNITS)
    author = person(rng, uyghur=False)
    date = _date(rng)
    number = f"西民管发〔{date.year}〕{serial}号"
    paras: list[str] = []
    table: tuple[tuple[str, ...], ...] = ()
    if kind == "minutes":
        title = f"{topic}专题会议纪要（第{serial}期）"
        chair, recorder = person(rng), person(rng)
        paras.append(f"时间：{_zh_date(date)}上午{date.hour}时  地点：局机关{rng.randint(2, 9)}楼"
                     f"会议室  主持：{chair.name}  记录：{recorder.name}")
        paras.append("出席：" + "、".join(person(rng).name for _ in range(rng.randint(4, 9))))
        items = rng.sample(ZH_MINUTES_ITEMS, 3)
        paras.append("会议" + "；".join(_zh_fill(rng, t, topic, unit) for t in items) + "。")
        paras += _zh_paragraphs(rng, topic, unit, rng.randint(2, 5))
        contains = (f"第{serial}期", chair.name)
    else:
        template = rng.choice(ZH_NOTICE_TITLES)
        title = template.format(year=date.year, month=date.month, topic=topic)
        paras.append("各市（州）局、各县（区）工作站：")
        paras += _zh_paragraphs(rng, topic, unit, rng.randint(3, 7))
        paras.append(f"联系人：{author.name}，电话：{author.phone}")
        if kind == "report":
            table = register_table(rng, rng.randint(6, 18))
        contains = (number, author.phone)
    paras.append(f"{BUREAU}{unit}")
    paras.append(_zh_date(date))
    return Document(kind, "zh-Hans", title, number, f"{BUREAU}{unit}", author, date,
                    tuple(paras), table, contains, (topic, PROVINCE))


# --- Traditional Chinese --------------------------------------------------------------

HANT_SENTENCES = (
    "茲就貴局來函所詢{topic}事宜，說明如下。",
    "本公司已於{date}完成第{k}批設備之安裝與測試，共計{n}台。",
    "相關費用新臺幣{m}萬元，請於收到發票後三十日內匯入本公司帳戶。",
    "如有疑問，請洽本公司業務代表{person}，電話{phone}。",
    "會議記錄經與會人員確認後，另行寄送各單位存查。",
    "本案涉及個人資料，請依規定妥善保管，勿對外提供。",
    "{place}專案之維護合約將於{date}到期，擬請續約一年。",
    "檢附報價單及規格說明書各一份，敬請查照。",
)
HANT_TOPICS = ("影像監控設備採購", "資料中心維護", "人臉比對系統升級", "教育訓練課程")


# Simplified -> Traditional for the characters of the name pools, so that Traditional
# documents stay encodable in Big5.
HANT_NAMES = str.maketrans("国强涛晓红华丽兰胜远伟东杰刘陈杨赵黄吴孙马罗郑谢韩冯邓许吕苏卢蒋张",
                           "國強濤曉紅華麗蘭勝遠偉東傑劉陳楊趙黃吳孫馬羅鄭謝韓馮鄧許呂蘇盧蔣張")


def zh_hant_document(rng: random.Random, serial: int) -> Document:
    topic = rng.choice(HANT_TOPICS)
    author = person(rng, uyghur=False)
    author = Person(author.name.translate(HANT_NAMES), author.name_zh, author.latin,
                    author.phone, author.id_number, author.email)
    date = _date(rng)
    number = f"鴻圖字第{date.year - 1911}{serial:05d}號"
    paras = [f"受文者：{BUREAU_HANT}"]
    for _ in range(rng.randint(2, 4)):
        chosen = rng.sample(HANT_SENTENCES, 3)
        paras.append("".join(s.format(topic=topic, date=_zh_date(_date(rng)),
                                      k=rng.randint(1, 9), n=rng.randint(10, 900),
                                      m=rng.randint(12, 980), person=author.name,
                                      phone=f"(02) {rng.randint(2000, 2999)}-"
                                            f"{rng.randint(1000, 9999)}",
                                      place=rng.choice(PLACES)[1])
                             for s in chosen))
    paras.append("鴻圖資訊股份有限公司　敬啟")
    return Document("letter", "zh-Hant", f"有關{topic}事宜函", number, "鴻圖資訊股份有限公司",
                    author, date, tuple(paras), (), (number, f"有關{topic}"), (topic,))


# --- Uyghur (Arabic script) -----------------------------------------------------------

UG_SENTENCES = (
    "ھەرقايسى ناھىيە، شەھەرلىك خىزمەت پونكىتلىرى بۇ ئۇقتۇرۇشنى ئەستايىدىل ئىجرا قىلسۇن.",
    "{place}دىكى ئاھالىلەرنىڭ ئۇچۇرلىرىنى {date}دىن بۇرۇن تولۇقلاپ يوللاش كېرەك.",
    "بۇ قېتىمقى تەكشۈرۈشكە جەمئىي {n} ئائىلە كىرگۈزۈلدى.",
    "يىغىندا {person} خىزمەت ئەھۋالىنى دوكلات قىلدى.",
    "خىزمەت گۇرۇپپىسى ھەر ھەپتە دۈشەنبە كۈنى ئۇچۇر يىغىپ يوللىشى لازىم.",
    "ئالاقىدار ماتېرىياللارنى ۋاقتىدا ئارخىپقا ئالدۇرۇش كېرەك.",
    "مەكتەپ، مەسچىت ۋە بازارلاردىكى ئەھۋالنى ئىنچىكە ئىگىلەش كېرەك.",
    "{m} نەپەر خادىم تەربىيەلەش كۇرسىغا قاتناشتى.",
    "ئۇچۇر سىستېمىسىغا كىرگۈزۈلگەن سانلىق مەلۇماتلار {pct} پىرسەنت تولۇقلاندى.",
    "بۇ ھۆججەت ئىچكى ئىشلىتىشكە مەنسۇپ، سىرتقا تارقىتىشقا بولمايدۇ.",
    "مەسئۇل كىشى: {person}، تېلېفون: {phone}",
)
UG_TITLES = ("{place} ئاھالىلەر ئۇچۇرىنى تەكشۈرۈش توغرىسىدا ئۇقتۇرۇش",
             "{year}-يىللىق خىزمەت يىغىنى خاتىرىسى",
             "خىزمەت گۇرۇپپىسىنىڭ {month}-ئايلىق دوكلاتى")


def ug_document(rng: random.Random, serial: int) -> Document:
    author = person(rng, "arabic", uyghur=True)
    date = _date(rng)
    place = rng.choice(PLACES)[2]
    title = rng.choice(UG_TITLES).format(place=place, year=date.year, month=date.month)
    number = f"ش م ن [{date.year}] {serial}-نومۇر"
    paras = []
    for _ in range(rng.randint(3, 6)):
        chosen = rng.sample(UG_SENTENCES, 3)
        paras.append(" ".join(s.format(place=rng.choice(PLACES)[2],
                                       date=f"{date.year}-يىلى {date.month}-ئاينىڭ {date.day}",
                                       n=rng.randint(40, 9000), m=rng.randint(3, 300),
                                       pct=rng.randint(80, 99),
                                       person=person(rng, "arabic", uyghur=True).name,
                                       phone=phone(rng)) for s in chosen))
    paras.append(f"مەسئۇل كىشى: {author.name}، تېلېفون: {author.phone}")
    paras.append(BUREAU_UG)
    return Document("notice", "ug", title, number, BUREAU_UG, author, date, tuple(paras), (),
                    (author.phone, author.name), ("ئۇقتۇرۇش",))


# --- English ----------------------------------------------------------------------------

EN_SENTENCES = (
    "Following our site visit to {place} on {date}, the camera coverage at the {n} "
    "checkpoints is now at {pct} percent.",
    "The data-centre migration for the bureau is scheduled for {date}; expect {k} hours "
    "of downtime.",
    "Please find attached the revised quotation for {n} face-matching licences.",
    "Our field engineer {person} will be on site until {date} and can be reached on "
    "{phone}.",
    "The client asked again that all project documents be labelled 'internal' and not "
    "shared with subcontractors.",
    "Invoice {inv} remains unpaid after {k} reminders; finance suggests suspending support.",
    "Training for {n} operators in {place} was completed with a pass rate of {pct} percent.",
    "We recommend replacing the {k} storage nodes before the winter peak.",
)
EN_TOPICS = ("Checkpoint camera roll-out", "Data-centre migration", "Licence renewal",
             "Operator training", "Support escalation")


def en_document(rng: random.Random, serial: int, kind: str = "memo") -> Document:
    topic = rng.choice(EN_TOPICS)
    author = person(rng, "latin", uyghur=False)
    author = Person(f"{rng.choice(('Daniel', 'Helen', 'Marcus', 'Priya', 'Tomas', 'Claire'))} "
                    f"{rng.choice(('Whitcombe', 'Okafor', 'Lindqvist', 'Harrow', 'Brennan'))}",
                    author.name_zh, "", f"+44 20 7{rng.randint(100, 999)} "
                    f"{rng.randint(1000, 9999)}", author.id_number,
                    f"staff{rng.randint(10, 99)}@{CONTRACTOR_DOMAIN}")
    author = Person(author.name, author.name_zh, author.name, author.phone, author.id_number,
                    author.email)
    date = _date(rng)
    number = f"NVS-{date.year}-{serial:05d}"
    paras = [f"Project reference {number}", f"To: {BUREAU_EN}"]
    for _ in range(rng.randint(3, 6)):
        paras.append(" ".join(
            s.format(place=rng.choice(PLACES)[3], date=f"{_date(rng):%d %B %Y}",
                     n=rng.randint(12, 4000), k=rng.randint(2, 9), pct=rng.randint(60, 99),
                     person=author.name, phone=author.phone,
                     inv=f"INV-{rng.randint(10000, 99999)}")
            for s in rng.sample(EN_SENTENCES, 2)))
    paras.append(f"{author.name}, {CONTRACTOR}")
    table: tuple[tuple[str, ...], ...] = ()
    if kind == "report":
        table = register_table(rng, rng.randint(5, 12), "en")
    return Document(kind, "en", f"{topic}: status {number}", number, CONTRACTOR, author, date,
                    tuple(paras), table, (number, author.name), (topic,))


# --- Russian and Japanese (for the legacy encodings) --------------------------------------

RU_SENTENCES = (
    "Уважаемый {name}! Направляем вам счёт № {n} от {date} за поставку оборудования "
    "видеонаблюдения.",
    "Оплату просим произвести в течение {k} банковских дней.",
    "Поставка {m} комплектов будет осуществлена через пограничный переход.",
    "Контактное лицо: {name}, тел. +7 727 {k}{n}.",
)


def ru_document(rng: random.Random, serial: int) -> Document:
    date = _date(rng)
    name = f"{rng.choice(('Иван', 'Сергей', 'Ольга', 'Марат', 'Айгерим'))} " \
           f"{rng.choice(('Петров', 'Ахметов', 'Соколова', 'Жумабаев'))}"
    number = f"СТ-{date.year}/{serial:05d}"
    paras = [f"Исх. № {number}", "ООО «СеверТех», г. Алматы"]
    for _ in range(rng.randint(2, 4)):
        paras.append(" ".join(s.format(name=name, n=rng.randint(1000, 99999),
                                       date=f"{date:%d.%m.%Y}", k=rng.randint(3, 9),
                                       m=rng.randint(2, 60)) for s in RU_SENTENCES))
    author = Person(name, name, name, "", "", "sales@severtech.example")
    return Document("letter", "ru", f"Письмо {number}", number, "ООО «СеверТех»", author,
                    date, tuple(paras), (), (number, "СеверТех"), ())


def ja_document(rng: random.Random, serial: int) -> Document:
    date = _date(rng)
    number = f"東光第{serial:05d}号"
    n = rng.randint(10, 400)
    paras = [number, "西瀾省民族事務与人口管理局　御中",
             f"拝啓　平素は格別のご高配を賜り、厚く御礼申し上げます。監視カメラ{n}台の"
             f"見積書を送付いたします。納期は{date.year}年{date.month}月末を予定しております。",
             "東光光学株式会社　海外営業部"]
    author = Person("佐藤健一", "佐藤健一", "Sato Kenichi", "", "", "sato@toko-kogaku.example")
    return Document("letter", "ja", f"東光光学　御見積書送付のご案内（{number}）", number,
                    "東光光学株式会社", author, date, tuple(paras), (),
                    (number, "東光光学株式会社"), ())


# --- Email --------------------------------------------------------------------------------

ZH_MAIL_SUBJECTS = ("关于{topic}数据报送的提醒", "转发：{topic}工作方案（征求意见稿）",
                    "{place}{topic}周报", "回复：系统账号开通申请")
ZH_MAIL_LINES = ("{name}：你好！", "附件是{place}本周的汇总数据，共{n}条，请查收。",
                 "按照局领导要求，请于{date}前反馈意见。", "系统今晚{k}点至{k2}点停机维护。",
                 "如有问题请随时联系我，手机{phone}。", "此件请勿外传。")


def zh_mail(rng: random.Random, serial: int) -> Mail:
    sender, to = person(rng), person(rng)
    topic, place = rng.choice(ZH_TOPICS), rng.choice(PLACES)[0]
    date = _date(rng)
    subject = rng.choice(ZH_MAIL_SUBJECTS).format(topic=topic, place=place)
    subject = f"{subject}（{serial}）"
    lines = [ZH_MAIL_LINES[0].format(name=to.name)]
    lines += [t.format(place=place, n=rng.randint(20, 9000), date=_zh_date(_date(rng)),
                       k=rng.randint(18, 21), k2=rng.randint(22, 23), phone=sender.phone)
              for t in rng.sample(ZH_MAIL_LINES[1:], 3)]
    lines.append(f"{sender.name}\n{BUREAU}{rng.choice(UNITS)}")
    return Mail("zh-Hans", sender, (to,), subject, tuple(lines), date,
                f"<{serial}.{date:%Y%m%d%H%M}@{MAIL_DOMAIN}>", (f"（{serial}）", sender.name))


def en_mail(rng: random.Random, serial: int) -> Mail:
    doc = en_document(rng, serial)
    to = person(rng, "latin")
    body = (f"Dear {to.latin},", *doc.paragraphs[2:-1], f"Best regards,\n{doc.author.name}")
    return Mail("en", doc.author, (to,), f"RE: {doc.title}", body, doc.date,
                f"<{doc.number}@{CONTRACTOR_DOMAIN}>", (doc.number, doc.author.name))


def scan_lines(doc: Document, limit: int = 14) -> list[str]:
    """The lines of a document as they would appear on a scanned page."""
    return [doc.title, doc.number, *doc.paragraphs][:limit]
