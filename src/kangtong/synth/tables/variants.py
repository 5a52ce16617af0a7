"""Character variants that registration desks produce: homophones, look-alikes, traditional forms.

Homophones come from pinyin input methods (the clerk picks the wrong candidate of the same
syllable); look-alikes from reading handwriting; traditional characters from residents of Hong
Kong, Macao and Taiwan or from old documents.
"""

from __future__ import annotations


def _parse_groups(table: str) -> dict[str, tuple[str, ...]]:
    """Each whitespace-separated entry 'a=bc' maps a to its variants b and c."""
    groups: dict[str, tuple[str, ...]] = {}
    for entry in table.split():
        character, variants = entry.split("=")
        groups[character] = tuple(v for v in variants if v != character)
    return groups


HOMOPHONES = _parse_groups("""
张=章 王=汪 杨=阳扬 陈=晨 吴=武伍 周=邹舟 徐=许 孙=荪 马=玛 朱=祝 郭=国 何=贺 罗=骆
高=郜 郑=正 林=霖琳 许=徐 韩=寒 邓=登 冯=封 彭=朋 曾=增 肖=萧 田=甜 董=东 袁=元 蔡=采
余=于鱼 于=余 叶=业 程=成 魏=卫 苏=素 吕=侣 钟=忠 姜=江 江=姜 范=凡 汪=王 石=时 金=今
夏=霞 付=傅 方=芳 熊=雄 白=柏 秦=琴 邱=秋 侯=候 尹=殷 薛=雪 段=断 雷=蕾 龙=隆 黎=李
李=黎 刘=柳 赵=照 黄=皇 胡=湖 梁=良 谢=解 宋=送 唐=棠
伟=玮炜韦 华=桦骅 明=铭鸣 军=君均 平=萍苹 志=智 文=雯闻 德=得 强=墙 永=勇 庆=青
荣=蓉容 忠=中 海=亥 东=冬 兴=星 成=诚 刚=钢 勇=永 光=广 福=富 贵=桂 生=升 金=津
宝=保 长=常 春=纯 清=青 山=珊 胜=圣 峰=锋丰 斌=彬滨 浩=昊皓 宇=雨羽语 子=紫梓 轩=萱宣
俊=骏 杰=洁捷 涛=滔韬 磊=蕾 鹏=朋 超=潮 博=波 晨=辰臣 睿=瑞 梓=子紫 辰=晨 泽=择
铭=明 一=依 航=杭 凯=楷 洋=阳杨 辉=晖徽 鑫=欣新 健=建剑 然=燃 豪=毫 天=添 翔=祥
嘉=佳家 乐=勒 阳=洋杨 宁=凝 飞=菲 昊=浩 秀=绣 英=瑛莹 桂=贵 兰=蓝岚 玉=钰 芳=方
珍=真 凤=风 梅=玫 红=宏鸿 丽=莉俐 萍=平苹 霞=侠 琴=勤 云=芸 莲=连 淑=舒 玲=铃
燕=艳雁 敏=闵 静=婧靖 艳=燕 娟=鹃 美=媚 菊=局 素=苏 翠=萃 惠=慧 欣=馨新 怡=宜仪
婷=亭庭 雨=宇语 涵=寒含 琪=琦淇 佳=嘉家 萱=轩宣 思=斯 颖=莹影 晓=小 诗=师 雪=薛
慧=惠 悦=月 语=雨 可=珂 馨=欣 琳=林霖 雅=亚 娜=纳 洁=杰 倩=茜 月=悦 紫=子 瑶=遥
丹=单 蕾=磊 霖=林
""")

LOOK_ALIKES = _parse_groups("""
王=玉主 玉=王 己=已 未=末 土=士 日=曰 天=夭 大=太 刀=力 冰=水 兵=乒 晖=辉 辉=晖
侯=候 候=侯 清=情晴 晴=睛 明=朋 杨=扬 洋=详 玲=铃 林=材 梅=海 海=梅 春=舂 金=全
全=金 丽=朋 军=车 伟=传 华=毕 建=健 贵=责 宝=室 荣=菜 峰=锋 娟=涓 婷=停
文=义 义=文 平=乎 东=车 芳=方 英=央 红=江 江=红 宇=字 子=孑 晨=晟 涛=寿 博=傅
""")

SIMPLIFIED = (
    "张刘陈杨黄赵吴孙马郑梁谢韩邓冯许肖萧蒋吕苏卢钟陆贾邹闫龙顾龚钱万韦汤谭乔贺赖"
    "伟华军丽静强艳杰娟涛鹏辉颖轩国兰凤荣云东宁晓庆义发贵凯诗语铭兴长胜宝顺红乐欢爱梦"
    "韵鑫涵馨琳倩瑶丹飞龙"
)
TRADITIONAL = (
    "張劉陳楊黃趙吳孫馬鄭樑謝韓鄧馮許蕭蕭蔣呂蘇盧鍾陸賈鄒閆龍顧龔錢萬韋湯譚喬賀賴"
    "偉華軍麗靜強艷傑娟濤鵬輝穎軒國蘭鳳榮雲東寧曉慶義發貴凱詩語銘興長勝寶順紅樂歡愛夢"
    "韻鑫涵馨琳倩瑤丹飛龍"
)
TRADITIONAL_OF = dict(zip(SIMPLIFIED, TRADITIONAL, strict=True))


def to_traditional(hanzi: str) -> str:
    """Write a name in traditional characters where the character has a distinct form."""
    return "".join(TRADITIONAL_OF.get(character, character) for character in hanzi)
