"""Display masking: what a reader of a report or the quarantine may see of a person."""
import pytest

from suizhi.masking import UnknownCategory, mask_value


@pytest.mark.parametrize("value, category, shown", [
    ("11010519491231002X", "citizen_id", "110105********002X"),
    ("440106199003071234", "citizen_id", "440106********1234"),
    ("13812345678", "phone", "138****5678"),
    ("020-83123456", "phone", "020*****3456"),
    ("张伟", "name", "张*"),
    ("欧阳小明", "name", "欧***"),
    ("王", "name", "*"),
    ("广州市天河区体育西路123号", "address", "广州市天河区****"),
    ("体育西路123号", "address", "****"),
    ("粤A12345", "plate", "粤A***45"),
    ("粤AD12345", "plate", "粤A****45"),
    ("113.264385", "location", "113.26"),
    ("not a number", "location", "****"),
    ("来电人身份证440106199003071234，电话13812345678，反映噪音。", "free_text",
     "来电人身份证440106********1234，电话138****5678，反映噪音。"),
    ("订单号1234567890123456789不是证件", "free_text", "订单号1234567890123456789不是证件"),
    (None, "phone", None),
    ("", "name", ""),
])
def test_mask_value(value, category, shown):
    assert mask_value(value, category) == shown


def test_unknown_category_is_named():
    with pytest.raises(UnknownCategory, match="'email'"):
        mask_value("a@b.cn", "email")
