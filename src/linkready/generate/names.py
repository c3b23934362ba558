"""Name vocabularies by NHS ethnic category and sex, nicknames and transliteration variants.

Where the lists come from (also in ``docs/generate.md``):

* Faker's locale person providers (MIT licence). ``en_GB`` given names are ordered by
  frequency (ONS baby-name tables, as Faker notes) and its surnames carry ONS-derived
  weights; ``en_KE`` names carry frequency weights. Other locales are plain lists
  without frequencies: their names get power-law weights (:func:`zipf_weights`), the
  commonest names of the group first (:data:`HEADS`), the rest in a fixed pseudo-random
  order, the exponent set so the commonest name has the share in :data:`TOP_SHARE`.
* South Asian Muslim given names and Bangladeshi surnames: a short list curated for
  linkready from common spellings in England; uniform weights, with ``Muhammad`` and its
  variants weighted up because it is the most common boys' name in several groups.
* Nicknames: the ``nicknames`` package (hand-curated English name → nickname pairs).
* Chinese surnames: Faker's weighted ``zh_CN`` surname shares, romanised in pinyin
  (:data:`ZH_PINYIN`).
* Transliteration variants: a hand-written table below (e.g. Muhammad / Mohammed /
  Mohammad / Mohamed).
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import numpy.typing as npt

#: Each NHS ethnic category: which Faker locales give its (given, family) names.
#: A second locale mixes names in (e.g. White & Asian gets English surnames, mixed given names).
GIVEN_SOURCES: dict[str, tuple[str, ...]] = {
    "A": ("en_GB",), "B": ("en_IE",), "C": ("ro_RO", "pt_PT", "it_IT"),
    "D": ("en_GB",), "E": ("en_GB", "yo_NG"), "F": ("en_GB", "en_IN"), "G": ("en_GB",),
    "H": ("en_IN",), "J": ("south_asian_muslim",), "K": ("south_asian_muslim",),
    "L": ("en_IN", "south_asian_muslim"), "M": ("en_GB",),
    "N": ("yo_NG", "en_KE", "tw_GH", "ig_NG"), "P": ("en_KE", "en_GB"),
    "R": ("zh_CN",), "S": ("tr_TR", "south_asian_muslim"),
}
FAMILY_SOURCES: dict[str, tuple[str, ...]] = {
    "A": ("en_GB",), "B": ("en_IE",), "C": ("ro_RO", "pt_PT", "it_IT"),
    "D": ("en_GB",), "E": ("en_GB", "yo_NG"), "F": ("en_GB", "en_IN"), "G": ("en_GB",),
    "H": ("en_IN",), "J": ("en_PK",), "K": ("bangladeshi",), "L": ("en_IN", "en_PK"),
    "M": ("en_GB",), "N": ("yo_NG", "en_KE", "tw_GH", "ig_NG"), "P": ("en_KE", "en_GB"),
    "R": ("zh_CN",), "S": ("tr_TR", "en_PK"),
}
#: Locales whose plain lists are in frequency order (weight 1/rank).
RANKED = {"en_GB"}

#: Plain lists: the group's commonest names, commonest first (national rankings: Irish,
#: Romanian, Portuguese, Italian and Turkish surname rankings, Ghanaian day names, British
#: Indian and Pakistani surnames in England). Added when a list lacks them. The order is
#: general knowledge; the shares (:data:`TOP_SHARE`) are linkready's assumptions.
HEADS: dict[tuple[str, str], tuple[str, ...]] = {
    ("en_IE", "family"): ("Murphy", "Kelly", "O'Sullivan", "Walsh", "Smith", "O'Brien",
                          "Byrne", "Ryan", "O'Connor", "O'Neill"),
    ("en_IE", "male"): ("Jack", "James", "Sean", "Conor", "Daniel", "Michael"),
    ("en_IE", "female"): ("Mary", "Sarah", "Aoife", "Ciara", "Emma", "Niamh"),
    ("ro_RO", "family"): ("Popa", "Popescu", "Pop", "Radu", "Ionescu", "Dumitru", "Stan",
                          "Stoica", "Gheorghe", "Rusu"),
    ("ro_RO", "male"): ("Andrei", "Alexandru", "Ion", "Mihai", "Gheorghe", "Constantin"),
    ("ro_RO", "female"): ("Maria", "Elena", "Ioana", "Andreea", "Ana", "Mihaela"),
    ("pt_PT", "family"): ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa",
                          "Rodrigues", "Martins", "Sousa", "Fernandes"),
    ("pt_PT", "male"): ("Joao", "Jose", "Antonio", "Francisco", "Manuel", "Pedro"),
    ("pt_PT", "female"): ("Maria", "Ana", "Joana", "Sofia", "Ines", "Beatriz"),
    ("it_IT", "family"): ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano",
                          "Colombo", "Ricci", "Marino", "Greco"),
    ("it_IT", "male"): ("Giuseppe", "Giovanni", "Antonio", "Mario", "Francesco", "Luigi"),
    ("it_IT", "female"): ("Maria", "Anna", "Giuseppina", "Rosa", "Giovanna", "Francesca"),
    ("en_IN", "family"): ("Patel", "Singh", "Shah", "Sharma", "Kaur", "Kumar", "Gill",
                          "Mistry", "Parmar", "Chauhan"),
    ("en_IN", "male"): ("Amit", "Raj", "Sanjay", "Rajesh", "Arjun", "Vijay"),
    ("en_IN", "female"): ("Priya", "Anita", "Sunita", "Pooja", "Neha", "Kavita"),
    ("en_PK", "family"): ("Khan", "Hussain", "Ahmed", "Ali", "Akhtar", "Iqbal", "Mahmood",
                          "Shah", "Butt", "Malik"),
    ("tw_GH", "family"): ("Mensah", "Owusu", "Boateng", "Asante", "Osei", "Agyeman",
                          "Appiah", "Amoah", "Darko", "Acheampong"),
    ("tw_GH", "male"): ("Kwame", "Kofi", "Kwabena", "Yaw", "Kwaku", "Kwasi"),
    ("tw_GH", "female"): ("Akosua", "Ama", "Abena", "Akua", "Yaa", "Afua"),
    ("ig_NG", "family"): ("Okafor", "Eze", "Okeke", "Nwosu", "Obi"),
    ("ig_NG", "male"): ("Chinedu", "Emeka", "Obinna", "Ifeanyi", "Chukwudi"),
    ("ig_NG", "female"): ("Ngozi", "Chioma", "Nneka", "Adaeze", "Ifeoma"),
    ("tr_TR", "family"): ("Yilmaz", "Kaya", "Demir", "Sahin", "Celik", "Yildiz",
                          "Yildirim", "Ozturk", "Aydin", "Ozdemir"),
    ("tr_TR", "male"): ("Mehmet", "Mustafa", "Ahmet", "Ali", "Huseyin", "Hasan"),
    ("tr_TR", "female"): ("Fatma", "Ayse", "Emine", "Hatice", "Zeynep", "Elif"),
}
#: Plain lists: the share of the commonest name, (family, given). Assumptions sized on
#: what is known of each group: a few surnames dominate among British Indians (Patel),
#: Pakistanis (Khan) and Portuguese (Silva); surnames are spread thinly in Nigeria and
#: Italy; given names are less concentrated than surnames except where a name dominates.
TOP_SHARE: dict[str, tuple[float, float]] = {
    "en_IE": (0.015, 0.03), "ro_RO": (0.04, 0.04), "pt_PT": (0.08, 0.05),
    "it_IT": (0.01, 0.03), "en_IN": (0.10, 0.02), "en_PK": (0.07, 0.03),
    "yo_NG": (0.015, 0.02), "ig_NG": (0.06, 0.06), "tw_GH": (0.04, 0.06),
    "tr_TR": (0.03, 0.03),
}
_DEFAULT_TOP_SHARE = (0.015, 0.02)


def zipf_weights(n: int, top_share: float) -> npt.NDArray[np.float64]:
    """Power-law shares ``r**-s`` for ranks 1..n, ``s`` ≥ 0 set so rank 1 has
    ``top_share`` (uniform when ``top_share`` ≤ 1/n: a list cannot be flatter)."""
    ranks = np.arange(1, n + 1, dtype=np.float64)
    if n == 0 or top_share <= 1.0 / n:
        return np.full(n, 1.0 / max(n, 1))
    lo, hi = 0.0, 8.0
    for _ in range(60):  # bisection: the top share grows with s
        s = (lo + hi) / 2
        w = ranks**-s
        lo, hi = (s, hi) if w[0] / w.sum() < top_share else (lo, s)
    w = ranks ** -((lo + hi) / 2)
    out: npt.NDArray[np.float64] = w / w.sum()
    return out


def _stable_key(name: str) -> str:
    return hashlib.blake2b(name.encode(), digest_size=8).hexdigest()


def _ranked_plain(locale: str, kind: str, sex: str, names: list[str]) -> list[tuple[str, float]]:
    """A plain list given power-law weights: :data:`HEADS` first, then the rest in a fixed
    pseudo-random order (not the list's, which is often alphabetical)."""
    head = HEADS.get((locale, "family" if kind == "family" else sex), ())
    seen = set(head)
    rest = sorted({n for n in names if n not in seen}, key=_stable_key)
    ordered = list(head) + rest
    top = TOP_SHARE.get(locale, _DEFAULT_TOP_SHARE)[0 if kind == "family" else 1]
    return list(zip(ordered, zipf_weights(len(ordered), top).tolist(), strict=True))

_SOUTH_ASIAN_MUSLIM = {
    "male": [("Muhammad", 6), ("Mohammed", 6), ("Mohammad", 3), ("Ahmed", 2), ("Ali", 2),
             ("Hassan", 1), ("Hussain", 1), ("Ibrahim", 1), ("Yusuf", 1), ("Omar", 1),
             ("Abdul", 1), ("Imran", 1), ("Bilal", 1), ("Zain", 1), ("Hamza", 1),
             ("Adam", 1), ("Rayan", 1), ("Ayaan", 1), ("Faisal", 1), ("Tariq", 1),
             ("Shahid", 1), ("Kamran", 1), ("Asif", 1), ("Rashid", 1), ("Sohail", 1),
             ("Mustafa", 1), ("Idris", 1), ("Ismail", 1), ("Jamal", 1), ("Salman", 1)],
    "female": [("Fatima", 3), ("Aisha", 3), ("Maryam", 2), ("Zainab", 2), ("Khadija", 1),
               ("Amina", 1), ("Hafsa", 1), ("Ayesha", 1), ("Sana", 1), ("Noor", 1),
               ("Samina", 1), ("Nasreen", 1), ("Shazia", 1), ("Rukhsana", 1), ("Farzana", 1),
               ("Nadia", 1), ("Sadia", 1), ("Yasmin", 1), ("Rabia", 1), ("Hira", 1),
               ("Iqra", 1), ("Anisa", 1), ("Sumaiya", 1), ("Tasnim", 1), ("Shirin", 1),
               ("Halima", 1), ("Ruksana", 1), ("Jannat", 1), ("Safiya", 1), ("Zara", 1)],
}
_BANGLADESHI_SURNAMES = [
    ("Begum", 8), ("Khatun", 4), ("Miah", 4), ("Uddin", 4), ("Ahmed", 4), ("Rahman", 4),
    ("Islam", 3), ("Ali", 3), ("Hussain", 2), ("Chowdhury", 2), ("Hoque", 2), ("Khan", 2),
    ("Bibi", 2), ("Akhtar", 1), ("Alam", 1), ("Amin", 1), ("Haque", 1), ("Hossain", 1),
    ("Kabir", 1), ("Karim", 1), ("Malik", 1), ("Mahmud", 1), ("Nessa", 1), ("Rashid", 1),
    ("Sarkar", 1), ("Talukdar", 1), ("Ullah", 1), ("Zaman", 1),
]

#: Pinyin of the commonest Chinese surnames in Faker's weighted ``zh_CN.last_names``
#: (shares of China's population, from Chinese Wikipedia's surname ranking, as Faker
#: notes). Romanised for linkready; characters with the same pinyin (王/汪 Wang) merge, as
#: they do in English records. The weight of characters not listed here is left out.
_HANZI = (
    "王李张刘陈杨黄吴赵周徐孙马朱胡林郭何高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏"
    "魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾"
    "毛郝龚邵万钱严赖覃洪武莫孔汤向常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿"
)
_PINYIN = (
    "Wang Li Zhang Liu Chen Yang Huang Wu Zhao Zhou Xu Sun Ma Zhu Hu Lin Guo He Gao Luo "
    "Zheng Liang Xie Song Tang Xu Deng Feng Han Cao Zeng Peng Xiao Cai Pan Tian Dong Yuan "
    "Yu Yu Ye Jiang Du Su Wei Cheng Lu Ding Shen Ren Yao Lu Fu Zhong Jiang Cui Tan Liao "
    "Fan Wang Lu Jin Shi Dai Jia Wei Xia Qiu Fang Hou Zou Xiong Meng Qin Bai Jiang Yan "
    "Xue Yin Duan Lei Li Shi Long Tao He Gu Mao Hao Gong Shao Wan Qian Yan Lai Qin Hong "
    "Wu Mo Kong Tang Xiang Chang Wen Kang Shi Wen Niu Fan Ge Xing An Qi Yi Qiao Wu Pang "
    "Yan Ni Zhuang Nie Zhang Lu Yue Zhai Yin Zhan Shen Ou Geng"
)
ZH_PINYIN: dict[str, str] = dict(zip(_HANZI, _PINYIN.split(), strict=True))

#: Spellings of one name. Sources differ in which they record.
TRANSLITERATIONS: tuple[tuple[str, ...], ...] = (
    ("Muhammad", "Mohammed", "Mohammad", "Mohamed", "Muhammed", "Mohamad"),
    ("Ahmed", "Ahmad", "Ahmet"), ("Hussain", "Hussein", "Husain", "Hossain"),
    ("Hassan", "Hasan"), ("Fatima", "Fatimah", "Fatma"), ("Yusuf", "Yousef", "Yousuf", "Youssef"),
    ("Mustafa", "Mostafa", "Moustafa"), ("Aisha", "Ayesha", "Aysha"), ("Khadija", "Khadijah"),
    ("Ibrahim", "Ebrahim"), ("Ismail", "Ismael"), ("Omar", "Umar"), ("Zainab", "Zeinab"),
    ("Maryam", "Mariam"), ("Rukhsana", "Ruksana"), ("Halima", "Halimah"),
    ("Chowdhury", "Choudhury", "Chaudhry", "Choudhry", "Chaudhary"), ("Rahman", "Rehman"),
    ("Uddin", "Udin"), ("Begum", "Begam"), ("Miah", "Mia"), ("Hoque", "Haque", "Hoq"),
    ("Khatun", "Khatoon"), ("Mahmud", "Mahmood"), ("Ali", "Aly"),
    ("Zhang", "Chang"), ("Xu", "Hsu"), ("Wang", "Wong"), ("Chen", "Chan"), ("Liu", "Lau"),
    ("Zhou", "Chow"), ("Li", "Lee"), ("Huang", "Hwang"), ("Wu", "Woo"), ("Zhao", "Chao"),
    ("Yilmaz", "Yilmas"), ("Mehmet", "Mehmed"), ("Oluwaseun", "Oluwasean"),
    ("Adeyemi", "Adeyemy"), ("Aleksandra", "Alexandra"), ("Katarzyna", "Katarzina"),
    ("Mihai", "Mihail"), ("Andrei", "Andrey"), ("Ioana", "Yoana"), ("Sean", "Shaun", "Shawn"),
    ("Siobhan", "Shivaun"), ("Niamh", "Neve"), ("Caoimhe", "Keeva"),
)


def ascii_fold(name: str) -> str:
    """Strip diacritics (most English systems store names in plain ASCII)."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


@dataclass(frozen=True)
class Vocabulary:
    """Names and their sampling probabilities."""

    names: npt.NDArray[np.object_]
    probs: npt.NDArray[np.float64]

    def sample(self, rng: np.random.Generator, n: int) -> npt.NDArray[np.object_]:
        return self.names[rng.choice(self.names.size, size=n, p=self.probs)]


def _weighted(values: object, ranked: bool) -> list[tuple[str, float]]:
    if isinstance(values, dict):
        return [(k, float(v)) for k, v in values.items()]
    items = list(values)  # type: ignore[call-overload]
    if ranked:
        return [(v, 1.0 / (i + 1)) for i, v in enumerate(items)]
    return [(v, 1.0) for v in items]


def _faker_list(locale: str, attr: str, ranked: bool = False) -> list[tuple[str, float]]:
    provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
    if locale == "zh_CN" and attr == "last_names":
        merged: dict[str, float] = {}
        for hanzi, weight in provider.last_names.items():
            if hanzi in ZH_PINYIN:
                merged[ZH_PINYIN[hanzi]] = merged.get(ZH_PINYIN[hanzi], 0.0) + float(weight)
        return list(merged.items())
    if locale == "zh_CN":
        attr = {"last_names": "last_romanized_names"}.get(attr, "first_romanized_names")
    values = getattr(provider, attr, None) or getattr(provider, "first_names", ())
    return _weighted(values, locale in RANKED or ranked)


def _locale_list(locale: str, kind: str, sex: str) -> list[tuple[str, float]]:
    if locale == "south_asian_muslim":
        if kind == "family":
            return _locale_list("en_PK", "family", sex)
        return [(n, float(w)) for n, w in _SOUTH_ASIAN_MUSLIM[sex]]
    if locale == "bangladeshi":
        return [(n, float(w)) for n, w in _BANGLADESHI_SURNAMES]
    attr = "last_names" if kind == "family" else f"first_names_{sex}"
    items = _faker_list(locale, attr)
    if locale in RANKED or len({w for _, w in items}) > 1:
        return items  # weighted by Faker, or in frequency order
    return _ranked_plain(locale, kind, sex, [_clean(n) for n, _ in items])


def _clean(name: str) -> str:
    return ascii_fold(name).strip()


@cache
def vocabulary(code: str, kind: str, sex: str = "male") -> Vocabulary:
    """Names for an ethnic category code, ``kind`` 'given' or 'family', and sex.

    Locales are mixed with equal total weight; names are ASCII-folded and de-duplicated.
    """
    sources = (GIVEN_SOURCES if kind == "given" else FAMILY_SOURCES)[code]
    weights: dict[str, float] = {}
    for locale in sources:
        items = _locale_list(locale, kind, sex)
        total = sum(w for _, w in items)
        for name, w in items:
            folded = _clean(name)
            if folded.isascii() and folded.replace("-", "").replace("'", "").isalpha():
                weights[folded] = weights.get(folded, 0.0) + w / total / len(sources)
    names = np.array(sorted(weights), dtype=object)
    probs = np.array([weights[n] for n in names], dtype=np.float64)
    return Vocabulary(names, probs / probs.sum())


@cache
def nickname_map() -> dict[str, tuple[str, ...]]:
    """Formal given name (title case) → its nicknames, from the ``nicknames`` package."""
    out: dict[str, list[str]] = {}
    with resources.files("nicknames").joinpath("names.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["relationship"] == "has_nickname":
                out.setdefault(row["name1"].title(), []).append(row["name2"].title())
    return {k: tuple(sorted(set(v))) for k, v in sorted(out.items())}


@cache
def variant_map() -> dict[str, tuple[str, ...]]:
    """Name → its other spellings, from :data:`TRANSLITERATIONS`."""
    out: dict[str, tuple[str, ...]] = {}
    for group in TRANSLITERATIONS:
        for name in group:
            out[name] = tuple(n for n in group if n != name)
    return out
