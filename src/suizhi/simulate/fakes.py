"""Deterministic fake values for the simulated departmental systems.

Every generator takes a `random.Random` as its first argument and never touches the
global generator, so one seed reproduces a whole simulated source, ground truth included.
Identifiers are built with the same check-digit code the quality rules use.
"""
from __future__ import annotations

import random
from datetime import date

from suizhi.identifiers import (
    CITIZEN_ID_CHECK_CHARS,
    CREDIT_CODE_ALPHABET,
    GUANGZHOU_BBOX,
    GUANGZHOU_DISTRICTS,
    RETIRED_DISTRICTS,
    citizen_id_check_digit,
    credit_code_check_char,
)

# Resident population in 10,000s (2020 census, rounded); weights district choice.
DISTRICT_POPULATION: dict[str, int] = {
    "440103": 123, "440104": 104, "440105": 182, "440106": 224, "440111": 374, "440112": 119,
    "440113": 265, "440114": 164, "440115": 85, "440117": 72, "440118": 147,
}

# Approximate (lng, lat) centre of each district's built-up area.
DISTRICT_CENTRES: dict[str, tuple[float, float]] = {
    "440103": (113.244, 23.126), "440104": (113.267, 23.129), "440105": (113.317, 23.084),
    "440106": (113.361, 23.125), "440111": (113.290, 23.250), "440112": (113.460, 23.150),
    "440113": (113.384, 22.937), "440114": (113.220, 23.404), "440115": (113.530, 22.780),
    "440117": (113.590, 23.550), "440118": (113.760, 23.290),
}
CENTRE_JITTER = 0.05  # degrees either side of a district centre

DISTRICT_STREETS: dict[str, tuple[str, ...]] = {
    "440103": ("中山七路", "康王中路", "芳村大道中", "龙津西路", "黄沙大道", "花地大道北"),
    "440104": ("北京路", "环市东路", "东风中路", "中山五路", "解放北路", "农林下路"),
    "440105": ("江南大道中", "新港西路", "工业大道中", "宝岗大道", "昌岗中路", "琶洲大道"),
    "440106": ("体育西路", "天河路", "天河北路", "黄埔大道西", "中山大道西", "林和西路"),
    "440111": ("白云大道北", "机场路", "广园中路", "京溪路", "增槎路", "同和路"),
    "440112": ("开创大道", "科学大道", "黄埔东路", "大沙地东", "香雪大道", "丰乐北路"),
    "440113": ("番禺大道北", "迎宾路", "兴南大道", "清河东路", "市良路", "桥南路"),
    "440114": ("新华路", "迎宾大道", "凤凰北路", "龙珠路", "云山大道", "天贵路"),
    "440115": ("进港大道", "环市大道中", "海滨路", "凤凰大道", "黄阁大道", "港前大道"),
    "440117": ("河滨北路", "河滨南路", "新城东路", "新城西路", "广从南路", "青云路"),
    "440118": ("荔城大道", "增城大道", "府佑路", "新塘大道", "荔新公路", "挂绿路"),
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程"
    "魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾"
    "龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
)
COMPOUND_SURNAMES = ("欧阳", "司徒", "上官", "诸葛")
GIVEN_NAME_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉宇浩俊晨欣怡梓轩子涵"
    "嘉诚思雨佳琪家豪婷雪慧颖峰鑫宏凯锦荣健坤燕梅琳瑶晓东海波永林少锋泽睿诗雅"
)

# Prefixes in service on the three carriers (and 170/171 resellers).
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "150",
    "151", "152", "155", "156", "157", "158", "159", "166", "170", "171", "173", "175", "176",
    "177", "178", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "195",
    "198", "199",
)

PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # plates never use I or O
DIGITS = "0123456789"

# GB 11714 organisation code check: weights over the 8 body characters, mod 11.
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

FREE_TEXT_OPENERS = ("反映", "市民反映", "来电反映", "投诉", "举报", "群众反映")
FREE_TEXT_PLACES = ("某路段", "某小区", "某市场", "某地铁站附近", "某学校门口", "某公园旁")
FREE_TEXT_ISSUES: dict[str, tuple[str, ...]] = {
    "噪音": ("夜间施工噪音扰民", "商铺音响声音过大", "广场舞音量过大影响休息"),
    "环境卫生": ("垃圾未及时清运", "污水外溢气味难闻", "占道经营卫生脏乱"),
    "交通": ("路口信号灯故障", "车辆违停堵塞消防通道", "早晚高峰拥堵严重"),
    "积水": ("暴雨后路面积水严重", "下水道堵塞雨水倒灌", "隧道积水车辆无法通行"),
    "泥头车": ("泥头车沿路撒漏泥土", "泥头车超速行驶", "泥头车夜间违规通行"),
    "燃气": ("疑似燃气泄漏有异味", "餐饮店违规使用液化气瓶"),
    "市政设施": ("路灯不亮存在安全隐患", "井盖破损缺失", "人行道地砖松动"),
    "台风": ("台风过后大树倒伏压住道路", "广告牌松动有坠落风险"),
}
FREE_TEXT_REQUESTS = ("请求处理。", "请尽快核实处理。", "希望相关部门跟进。", "请有关部门尽快解决。", "望予以整治。")


def _weighted_district(rng: random.Random) -> str:
    codes = list(DISTRICT_POPULATION)
    return rng.choices(codes, weights=[DISTRICT_POPULATION[c] for c in codes])[0]


def district_code(rng: random.Random) -> str:
    """Return a current Guangzhou district code, drawn in proportion to resident population."""
    return _weighted_district(rng)


def _random_date(rng: random.Random, first: date, last: date) -> date:
    return date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


def citizen_id(
    rng: random.Random, year_range: tuple[int, int] = (1940, 2015), valid: bool = True
) -> str:
    """Return an 18-character citizen ID born in `year_range` (inclusive, never after today).

    The prefix is a Guangzhou district, about one in twenty a retired one, as older records
    carry. With `valid=False` the ID stays well-formed but its check character is wrong.
    """
    first_year, last_year = year_range
    last = min(date(last_year, 12, 31), date.today())
    if first_year < 1900 or date(first_year, 1, 1) > last:
        raise ValueError(f"year_range must lie between 1900 and today, got {year_range!r}")
    prefix = rng.choice(list(RETIRED_DISTRICTS)) if rng.random() < 0.05 else _weighted_district(rng)
    born = _random_date(rng, date(first_year, 1, 1), last)
    body = f"{prefix}{born:%Y%m%d}{rng.randint(1, 999):03d}"
    check = citizen_id_check_digit(body)
    if not valid:
        check = rng.choice([c for c in CITIZEN_ID_CHECK_CHARS if c != check])
    return body + check


def person_name(rng: random.Random) -> str:
    """Return a Chinese name: a common (rarely compound) surname and a one- or two-character given name."""
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.01 else rng.choice(SURNAMES)
    length = 2 if rng.random() < 0.7 else 1
    return surname + "".join(rng.choice(GIVEN_NAME_CHARS) for _ in range(length))


def mobile(rng: random.Random) -> str:
    """Return an 11-digit mainland mobile number with a prefix that carriers actually issue."""
    return rng.choice(MOBILE_PREFIXES) + "".join(rng.choice(DIGITS) for _ in range(8))


def coordinate(rng: random.Random, district_code: str | None = None) -> tuple[float, float]:
    """Return a (lng, lat) within ~0.05° of a district's centre, inside `GUANGZHOU_BBOX`.

    Without a district, one is drawn by population, so points fall on the city rather
    than on the parts of Foshan and Dongguan the bounding box also covers.
    """
    code = district_code if district_code is not None else _weighted_district(rng)
    if code not in DISTRICT_CENTRES:
        raise ValueError(f"no centre known for district {code!r}; expected one of {sorted(DISTRICT_CENTRES)}")
    lng0, lat0 = DISTRICT_CENTRES[code]
    lng_min, lat_min, lng_max, lat_max = GUANGZHOU_BBOX
    lng = min(max(lng0 + rng.uniform(-CENTRE_JITTER, CENTRE_JITTER), lng_min), lng_max)
    lat = min(max(lat0 + rng.uniform(-CENTRE_JITTER, CENTRE_JITTER), lat_min), lat_max)
    return round(lng, 6), round(lat, 6)


def plate(rng: random.Random) -> str:
    """Return a Guangzhou plate: 粤A and five characters (at most two letters), or new-energy 粤A + D/F + five.

    About one plate in six is new-energy.
    """
    if rng.random() < 1 / 6:
        second = rng.choice(PLATE_LETTERS + DIGITS)
        return "粤A" + rng.choice("DF") + second + "".join(rng.choice(DIGITS) for _ in range(4))
    chars = [rng.choice(DIGITS) for _ in range(5)]
    for position in rng.sample(range(5), rng.choice((0, 1, 1, 2))):
        chars[position] = rng.choice(PLATE_LETTERS)
    return "粤A" + "".join(chars)


def address(rng: random.Random, district_code: str) -> str:
    """Return a street address such as 广州市天河区体育西路123号 in the given current district."""
    if district_code not in DISTRICT_STREETS:
        raise ValueError(
            f"no streets known for district {district_code!r}; expected one of {sorted(DISTRICT_STREETS)}"
        )
    street = rng.choice(DISTRICT_STREETS[district_code])
    return f"广州市{GUANGZHOU_DISTRICTS[district_code]}{street}{rng.randint(1, 999)}号"


def _org_code(rng: random.Random) -> str:
    # Pre-2015 codes are 8 digits; codes issued since are "MA" plus 6 characters.
    if rng.random() < 0.5:
        body = "".join(rng.choice(DIGITS) for _ in range(8))
    else:
        body = "MA" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(6))
    total = sum(w * int(c, 36) for w, c in zip(_ORG_CODE_WEIGHTS, body))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, valid: bool = True) -> str:
    """Return an enterprise credit code (authority 9, type 1) registered in Guangzhou.

    The 9-character organisation code carries its own GB 11714 check; with `valid=False`
    only the final GB 32100 check character is wrong.
    """
    division = "440100" if rng.random() < 0.3 else _weighted_district(rng)
    body = "91" + division + _org_code(rng)
    check = credit_code_check_char(body)
    if not valid:
        check = rng.choice([c for c in CREDIT_CODE_ALPHABET if c != check])
    return body + check


def device_id(rng: random.Random, prefix: str) -> str:
    """Return an IoT device identifier: `prefix`, a dash and 8 uppercase hex digits."""
    if not prefix:
        raise ValueError("device_id needs a non-empty prefix naming the device family")
    return f"{prefix}-{rng.getrandbits(32):08X}"


def free_text(rng: random.Random, topic_hint: str | None = None) -> str:
    """Return a 10-60 character complaint such as 反映天河区某路段夜间施工噪音扰民，请求处理。

    `topic_hint` picks the issue family (a key of `FREE_TEXT_ISSUES`); without it one is drawn.
    """
    if topic_hint is None:
        topic_hint = rng.choice(list(FREE_TEXT_ISSUES))
    elif topic_hint not in FREE_TEXT_ISSUES:
        raise ValueError(f"unknown topic_hint {topic_hint!r}; expected one of {list(FREE_TEXT_ISSUES)}")
    district = GUANGZHOU_DISTRICTS[_weighted_district(rng)]
    return (
        rng.choice(FREE_TEXT_OPENERS)
        + district
        + rng.choice(FREE_TEXT_PLACES)
        + rng.choice(FREE_TEXT_ISSUES[topic_hint])
        + "，"
        + rng.choice(FREE_TEXT_REQUESTS)
    )
