"""Chinese words for the standard answers' search (docs/DOMAIN.md §25.3).

jieba segments text in its search-engine mode (`cut_for_search`): a long word is cut again into
its shorter words, so 机油滤清器 gives 机油, 滤清, 滤清器 and 机油滤清器, and a search for 机油 finds
it. Each word of two or more characters also gets its pinyin, whole (jiyou) and as initials
(jy), by pypinyin, so a search typed without a Chinese input method finds it too.

jieba's dictionary takes about a second to load, so it is loaded once per process, on the first
segmentation, under a lock: importing this module (every management command imports the apps)
loads nothing."""

import re
import threading

_lock = threading.Lock()
_tokenizer = None

MAX_TERM = 40
# After-sales words jieba's general dictionary does not hold whole: added once when it loads, so
# the whole word is a term and search mode still cuts it into the shorter words it contains.
DOMAIN_WORDS = (
    "机油滤清器", "空气滤清器", "空调滤清器", "燃油滤清器", "汽油滤清器", "刹车片", "刹车盘", "刹车油", "防冻液",
    "变速箱油", "火花塞", "正时皮带", "蓄电池", "电瓶", "胎压", "胎压监测", "四轮定位", "动平衡", "首保",
    "年检", "保修期", "延保", "充电桩", "快充", "慢充", "动力电池", "续航里程", "故障灯", "发动机故障灯", "代步车",
    "道路救援", "搭电", "爆胎", "备胎", "雨刮", "玻璃水", "空调异味", "空调不制冷", "保养周期", "机油",
)  # fmt: skip
_LATIN = re.compile(r"[a-z0-9]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def tokenizer():
    """jieba's tokenizer, its dictionary loaded on first use (once per process)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                made = jieba.Tokenizer()
                made.initialize()
                for word in DOMAIN_WORDS:
                    made.add_word(word)
                _tokenizer = made
    return _tokenizer


def is_loaded() -> bool:
    return _tokenizer is not None


def words(text: str) -> list[str]:
    """The search words of `text`: jieba's search-engine cut, lower-cased, without punctuation
    and one-character Chinese words (的, 和) except where the text is that one character."""
    text = (text or "").lower()
    found = []
    for word in tokenizer().cut_for_search(text):
        word = word.strip()
        if not word or not (_HAN.search(word) or _LATIN.fullmatch(word)):
            continue
        if len(word) == 1 and _HAN.match(word) and len(text.strip()) > 1:
            continue
        found.append(word[:MAX_TERM])
    return list(dict.fromkeys(found))


def pinyin_terms(word: str) -> list[str]:
    """The whole pinyin and the initials of a Chinese word (机油 → jiyou, jy)."""
    if not _HAN.search(word):
        return []
    from pypinyin import Style, lazy_pinyin

    full = "".join(lazy_pinyin(word))[:MAX_TERM]
    initials = "".join(lazy_pinyin(word, style=Style.FIRST_LETTER))[:MAX_TERM]
    return [term for term in dict.fromkeys((full, initials)) if _LATIN.fullmatch(term)]


def index_terms(*texts: str) -> set[str]:
    """Every term an answer is found by: its words and their pinyin."""
    terms: set[str] = set()
    for text in texts:
        for word in words(text):
            terms.add(word)
            terms.update(pinyin_terms(word))
    return terms


def query_terms(query: str) -> list[str]:
    """The words of what was typed. Latin letters are kept whole (pinyin: jiyou, jy)."""
    query = (query or "").strip().lower()[:100]
    if not query:
        return []
    if _LATIN.fullmatch(query.replace(" ", "")):
        return [query.replace(" ", "")[:MAX_TERM]]
    return words(query)
