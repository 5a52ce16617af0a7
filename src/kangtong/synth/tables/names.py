"""Surname and given-name frequencies, with the pinyin of every character used.

Surname weights are per-mille shares of the population, rounded from the published national
rankings of common surnames; given-name characters are weighted by how often they appear in names
of each sex and generation. The pinyin (without tones) is what a registration desk types when it
records a name in Latin letters.
"""

from __future__ import annotations


def _parse_weighted(table: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[float, ...]]:
    """Parse 'hanzi:pinyin:weight' entries separated by whitespace."""
    entries = [entry.split(":") for entry in table.split()]
    return (
        tuple(hanzi for hanzi, _, _ in entries),
        tuple(pinyin for _, pinyin, _ in entries),
        tuple(float(weight) for _, _, weight in entries),
    )


SURNAME_TABLE = """
王:wang:71 李:li:70 张:zhang:67 刘:liu:54 陈:chen:46 杨:yang:31 黄:huang:23 赵:zhao:22
吴:wu:20 周:zhou:19 徐:xu:13 孙:sun:13 马:ma:12 朱:zhu:12 胡:hu:11 郭:guo:11 何:he:10
林:lin:9.7 高:gao:9.6 罗:luo:9.2 郑:zheng:8.8 梁:liang:8.4 谢:xie:8.1 宋:song:7.6 唐:tang:7.4
许:xu:6.8 韩:han:6.6 邓:deng:6.5 冯:feng:6.5 曹:cao:6.2 彭:peng:5.8 曾:zeng:5.5 肖:xiao:5.4
田:tian:5.3 董:dong:5.3 潘:pan:5.1 袁:yuan:5.0 蔡:cai:4.7 蒋:jiang:4.6 余:yu:4.5 于:yu:4.4
杜:du:4.3 叶:ye:4.2 程:cheng:4.1 魏:wei:4.0 苏:su:3.9 吕:lv:3.8 丁:ding:3.7 任:ren:3.6
卢:lu:3.5 姚:yao:3.4 沈:shen:3.3 钟:zhong:3.3 姜:jiang:3.2 崔:cui:3.1 谭:tan:3.0 陆:lu:2.9
范:fan:2.8 汪:wang:2.8 廖:liao:2.7 石:shi:2.7 金:jin:2.6 韦:wei:2.6 贾:jia:2.5 夏:xia:2.4
付:fu:2.4 方:fang:2.4 邹:zou:2.3 熊:xiong:2.2 白:bai:2.2 孟:meng:2.1 秦:qin:2.1 邱:qiu:2.0
侯:hou:2.0 江:jiang:2.0 尹:yin:1.9 薛:xue:1.9 闫:yan:1.8 段:duan:1.8 雷:lei:1.7 龙:long:1.7
黎:li:1.6 史:shi:1.6 陶:tao:1.6 贺:he:1.5 毛:mao:1.5 郝:hao:1.5 顾:gu:1.4 龚:gong:1.4
邵:shao:1.3 万:wan:1.3 覃:qin:1.2 武:wu:1.2 钱:qian:1.1 欧阳:ouyang:0.5 司马:sima:0.1
"""

# Given-name characters by sex and generation (born before 1980 / from 1980).
MALE_OLDER = """
国:guo:9 建:jian:9 华:hua:8 明:ming:8 军:jun:8 平:ping:7 志:zhi:7 文:wen:6 德:de:6 伟:wei:6
强:qiang:6 永:yong:5 庆:qing:5 荣:rong:4 忠:zhong:4 林:lin:4 海:hai:4 东:dong:4 兴:xing:4
成:cheng:4 刚:gang:4 勇:yong:4 光:guang:4 福:fu:3 贵:gui:3 生:sheng:3 金:jin:3 宝:bao:3
长:chang:3 春:chun:3 清:qing:3 山:shan:3 胜:sheng:2 发:fa:2 义:yi:2 峰:feng:2 斌:bin:2
"""
MALE_YOUNGER = """
浩:hao:8 宇:yu:9 子:zi:7 轩:xuan:7 俊:jun:6 杰:jie:7 涛:tao:5 磊:lei:6 鹏:peng:5 超:chao:5
博:bo:5 文:wen:5 晨:chen:5 睿:rui:4 梓:zi:4 辰:chen:4 泽:ze:4 铭:ming:4 一:yi:4 航:hang:4
凯:kai:4 伟:wei:5 洋:yang:4 斌:bin:3 辉:hui:4 鑫:xin:4 健:jian:3 明:ming:4 然:ran:3 豪:hao:3
天:tian:3 翔:xiang:3 嘉:jia:3 乐:le:3 阳:yang:3 宁:ning:2 飞:fei:3 龙:long:3 昊:hao:3
"""
FEMALE_OLDER = """
秀:xiu:9 英:ying:9 桂:gui:7 兰:lan:7 玉:yu:7 华:hua:6 芳:fang:6 珍:zhen:5 凤:feng:5 梅:mei:5
红:hong:6 丽:li:6 萍:ping:5 霞:xia:5 琴:qin:4 云:yun:4 莲:lian:4 淑:shu:4 玲:ling:4 燕:yan:4
敏:min:4 静:jing:4 艳:yan:4 娟:juan:4 美:mei:3 春:chun:3 菊:ju:3 素:su:3 翠:cui:3 惠:hui:3
"""
FEMALE_YOUNGER = """
欣:xin:8 怡:yi:8 婷:ting:7 雨:yu:7 涵:han:7 梓:zi:6 琪:qi:6 佳:jia:6 萱:xuan:5 思:si:6
静:jing:5 颖:ying:5 晓:xiao:5 丽:li:5 诗:shi:5 雪:xue:4 慧:hui:4 悦:yue:4 语:yu:4 可:ke:4
馨:xin:4 琳:lin:4 雅:ya:4 敏:min:4 娜:na:4 洁:jie:3 倩:qian:3 月:yue:3 紫:zi:3 瑶:yao:3
丹:dan:3 宁:ning:2 一:yi:3 子:zi:4 嘉:jia:3 晨:chen:3 艳:yan:3 燕:yan:3 蕾:lei:2 霖:lin:2
"""

SURNAMES, SURNAME_PINYIN, SURNAME_WEIGHTS = _parse_weighted(SURNAME_TABLE)


def _pinyin_of_all() -> dict[str, str]:
    pinyin: dict[str, str] = {}
    for table in (SURNAME_TABLE, MALE_OLDER, MALE_YOUNGER, FEMALE_OLDER, FEMALE_YOUNGER):
        hanzi, syllables, _ = _parse_weighted(table)
        pinyin.update(zip(hanzi, syllables, strict=True))
    return pinyin


PINYIN_OF = _pinyin_of_all()

# Share of given names with a single character, by generation.
SINGLE_CHARACTER_SHARE_OLDER = 0.30
SINGLE_CHARACTER_SHARE_YOUNGER = 0.12


def given_name_table(sex: str, born_before_1980: bool) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Characters and weights for given names of one sex and generation."""
    if sex == "male":
        table = MALE_OLDER if born_before_1980 else MALE_YOUNGER
    else:
        table = FEMALE_OLDER if born_before_1980 else FEMALE_YOUNGER
    hanzi, _, weights = _parse_weighted(table)
    return hanzi, weights


def to_pinyin(hanzi: str) -> str:
    """Pinyin of a name part, syllables joined, first letter capitalised ('Ouyang', 'Zixuan')."""
    return "".join(PINYIN_OF.get(character, "x") for character in hanzi).capitalize()
