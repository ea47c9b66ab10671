"""Chinese segmentation: rjieba with a domain dictionary, one private `rjieba.Jieba` per segmenter (no global state).

rjieba API (checked against rjieba's own docstrings): `Jieba()` loads the default dictionary (~0.1 s);
`add_word(word, freq, tag)` takes all three arguments positionally, `None` for "suggest a frequency that keeps the
word whole"; `cut(text, hmm=True)` is precise mode; `cut_for_search` also emits the dictionary words inside a
long word (先进功能陶瓷 → 先进, 功能, 陶瓷, 先进功能陶瓷).

Text is NFKC-normalised first (full-width letters, digits and punctuation become ASCII), tokens are lower-cased
for matching and whitespace tokens are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import rjieba

# Function words and boilerplate that carry no topic. Kept short: BM25's idf handles the rest. The second line is
# how enterprises write demands (我们厂…太高…想找…技术): in a small library such words are rare enough for idf to
# rank a record that only shares "厂" above one that shares the subject.
_STOPWORD_TEXT = """
的 了 和 与 及 或 等 在 对 是 为 以 于 从 由 将 把 被 其 之 而 并 且 也 都 就 则 即 及其 以及 或者 并且 而且
通过 进行 一种 一个 一些 这 那 这些 那些 这种 该 本 此 各 每 某 有 无 不 没有 可 可以 能 能够 会 应 应该 需要
要 已 已经 还 我们 我 你 他 她 它 他们 我司 公司 本文 文章 研究 中 上 下 内 外 后 前 时 个 来 去 所 使 使得
得到 采用 利用 基于 如何 怎么 什么 哪些 希望 寻求 寻找 求 急需 需求 问题 解决 关于 方面 相关 情况 提高 提升
厂 我厂 本厂 厂里 我们厂 技术 想 想找 想要 找 太高 太大 太多 太低 怎样 怎么办 有没有 能不能 老是 总是 经常 一直
办法 好 用 做 弄 搞 a
an the of and or in on for to with by is are be as at from that this
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
# the second line above: how enterprises write demands (kept apart so the bench can measure it on its own)
_DEMAND_STOPWORD_TEXT = """
厂 我厂 本厂 厂里 我们厂 技术 想 想找 想要 找 太高 太大 太多 太低 怎样 怎么办 有没有 能不能 老是 总是 经常 一直
办法 好 用 做 弄 搞
"""
DEMAND_STOPWORDS = frozenset(_DEMAND_STOPWORD_TEXT.split())

# Words that may score (BM25's idf keeps them cheap) but never explain a match: degree adverbs, demand boilerplate,
# generic nouns and bound suffixes seen as "matched terms" on demand-style queries (issue 13: 度, 很, 性, 最好, 单位).
_EXPLAIN_STOPWORD_TEXT = """
度 很 性 最好 单位 非常 比较 特别 更加 一下 一会 一点 东西 容易 效果 出来 下来 起来 上去 以后 之后 时候 厉害 清楚 慢慢
里面 外面 不能 不行 不住 不够 不好 剩下 没用 做成 几种 各种 方法 方式 现在 目前 主要 其他 其它 之类 方面 领域 企业 工厂
车间 产品 生产 好用 想办法 了解 帮忙 帮助 老 大 小 多 少 高 低 新 旧 长 短 更好 想换 白白浪费
"""
# Generic words (降低, 温度, 处理, 方法 …): data, in data/generic_terms.txt, with why each group is there.
GENERIC_TERMS_FILE = Path(__file__).resolve().parent / "data" / "generic_terms.txt"


def read_word_list(path: Path) -> frozenset[str]:
    """Whitespace-separated words of a list file; `#` starts a comment."""
    words: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words.extend(line.split("#", 1)[0].split())
    return frozenset(words)


GENERIC_TERMS = read_word_list(GENERIC_TERMS_FILE)
EXPLAIN_STOPWORDS = frozenset(_EXPLAIN_STOPWORD_TEXT.split()) | STOPWORDS | GENERIC_TERMS
# single characters shown as a matched term only when jieba tags them a noun (锌, 铜, 膜, 菌), not an adverb,
# particle, measure word or bound morpheme (很/zg, 度/zg, 得/ud, 片/q)
_NOUN_TAGS = ("n", "nz", "nr", "nrt", "ns", "nt")

_WORD_CHAR = re.compile(r"\w", re.UNICODE)
_ASCII_WORD = re.compile(r"^[0-9a-z][0-9a-z.+\-_]*$")
_DICT_SPLIT = re.compile(r"\s+")
MAX_TOKEN_CHARS = 40


def normalize(text: str) -> str:
    """NFKC (full-width → half-width) and strip; never raises on any str."""
    return unicodedata.normalize("NFKC", text or "").strip()


@lru_cache(maxsize=1 << 18)
def is_term(token: str) -> bool:
    """A token worth matching: contains a letter/digit/ideograph, not a stopword, not absurdly long."""
    return (
        bool(token)
        and len(token) <= MAX_TOKEN_CHARS
        and token not in STOPWORDS
        and _WORD_CHAR.search(token) is not None
        and not (len(token) == 1 and token.isascii())
    )


class Segmenter:
    """rjieba segmentation with a domain dictionary.

    `cut` (precise mode) is what the index stores; `terms` (search mode, stopwords removed) is what a query
    asks for, so that a query word that is longer than the words a document was segmented into still finds it.
    """

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._jieba = rjieba.Jieba()
        self._words: set[str] = set()
        self.add_words(words)

    @property
    def words(self) -> frozenset[str]:
        return frozenset(self._words)

    def add_words(self, words: Iterable[str]) -> list[str]:
        """Add dictionary words (NFKC, inner whitespace removed, 2–40 chars); returns the ones that were new."""
        added = []
        for raw in words:
            word = _DICT_SPLIT.sub("", normalize(raw))
            if 2 <= len(word) <= MAX_TOKEN_CHARS and word not in self._words and _WORD_CHAR.search(word):
                self._jieba.add_word(word, None, None)
                self._words.add(word)
                added.append(word)
        return added

    def cut(self, text: str) -> list[str]:
        """Precise-mode tokens in text order, original case, whitespace dropped."""
        return [part for tok in self._jieba.cut(normalize(text)) for part in tok.split()]

    def cut_search(self, text: str) -> list[str]:
        """Search-mode tokens (long words plus the dictionary words inside them), original case."""
        return [part for tok in self._jieba.cut_for_search(normalize(text)) for part in tok.split()]

    def explains(self, term: str) -> bool:
        """Whether a matched query term is worth showing as a reason: no function word, boilerplate or bound
        single character (those can still score; they just say nothing to the user)."""
        if not is_term(term) or term in EXPLAIN_STOPWORDS:
            return False
        if len(term) == 1 and not term.isascii():
            return any(tag in _NOUN_TAGS for _, tag in self._jieba.tag(term))
        return True

    def terms(self, text: str, *, search_mode: bool = True, keep: frozenset[str] = frozenset()) -> list[str]:
        """Lower-cased matchable terms of a query, in order, with repeats (stopwords and punctuation removed;
        stopwords in `keep` stay)."""
        tokens = self.cut_search(text) if search_mode else self.cut(text)
        return [low for tok in tokens if is_term(low := tok.lower()) or (low in keep and _WORD_CHAR.search(low))]


def is_ascii_word(token: str) -> bool:
    return bool(_ASCII_WORD.match(token.lower()))


def join_tokens(tokens: Iterable[str]) -> str:
    """Tokens back to readable text: no space inside Chinese, one space between two ASCII words."""
    out: list[str] = []
    prev_ascii = False
    for tok in tokens:
        if not tok:
            continue
        cur_ascii = is_ascii_word(tok)
        if out and prev_ascii and cur_ascii:
            out.append(" ")
        out.append(tok)
        prev_ascii = cur_ascii
    return "".join(out)
