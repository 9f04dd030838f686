"""What an English sentence claims, in forms that can be compared with its cited sentences:
content words (stemmed), named entities, and which words it negates.

Written here rather than taken from an NLP library: spaCy or Stanza would need model
downloads, which the pipeline cannot make offline, and the checks only need surface cues
that a reader can verify by eye. Stemming comes from ``snowballstemmer``.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

# English function words: they carry no claim of their own, so coverage ignores them.
STOPWORDS = frozenset(
    {
        "a", "about", "above", "after", "again", "against", "all", "almost", "along", "already", "also",
        "although", "am", "among", "an", "and", "another", "any", "are", "around", "as", "at", "be", "became",
        "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could", "did",
        "do", "does", "doing", "done", "during", "each", "either", "else", "even", "ever", "every", "few",
        "for", "from", "further", "furthermore", "had", "has", "have", "having", "he", "her", "here", "hers",
        "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "indeed", "into", "is", "it",
        "its", "itself", "just", "least", "less", "let", "like", "made", "make", "many", "may", "me",
        "meanwhile", "might", "more", "moreover", "most", "much", "must", "my", "myself", "near", "nearly",
        "now", "of", "off", "on", "once", "one", "only", "onto", "or", "other", "others", "otherwise", "our",
        "ours", "ourselves", "out", "over", "own", "per", "perhaps", "quite", "rather", "same", "several",
        "shall", "she", "should", "since", "so", "some", "still", "such", "than", "that", "the", "their",
        "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "though", "through",
        "thus", "to", "too", "toward", "towards", "under", "until", "up", "upon", "us", "very", "via", "was",
        "we", "were", "what", "whatever", "when", "where", "whether", "which", "while", "who", "whom", "whose",
        "why", "will", "with", "within", "would", "yet", "you", "your", "yours"
    }
)

# Syntactic negation; "n't" is spelt out as "not" before tokenising.
NEGATION_WORDS = frozenset({"not", "no", "never", "neither", "nor", "none", "nothing", "nobody", "without", "cannot"})
# Verbs that negate what follows them ("denied providing drones", "declined to give").
NEGATING_VERBS = frozenset(
    {
        "deny", "denies", "denied", "denying", "refuse", "refuses", "refused", "refusing", "decline",
        "declines", "declined", "declining", "fail", "fails", "failed", "failing"
    }
)
NEGATION_CUES = NEGATION_WORDS | NEGATING_VERBS
# Between a cue and the word it negates: auxiliaries, articles, adverbs ("did not yet", "no other").
_NEGATION_REACH = 4

# Joining words allowed inside a multi-word name ("Center for Strategic and International Studies").
_NAME_JOINERS = frozenset({"of", "for", "and", "de", "du", "the", "al", "bin", "von", "van"})

# Languages of originals whose names are checked: English, and French with the exonyms below.
NAME_LANGUAGES = frozenset({"en", "fr"})
# English names whose French form shares too little spelling for character similarity to pair
# them. Names spelt alike across the languages (Kirby, Pyongyang, Putin/Poutine) need no entry.
EXONYMS: dict[str, tuple[str, ...]] = {
    "white house": ("maison blanche",),
    "united states": ("etats unis", "americain"),
    "us": ("etats unis", "americain"),
    "u s": ("etats unis", "americain"),
    "american": ("etats unis", "americain"),
    "united nations": ("nations unies", "onu"),
    "un": ("onu", "nations unies"),
    "eu": ("ue", "union europeenne"),
    "european union": ("ue", "union europeenne"),
    "middle east": ("moyen orient",),
    "far east": ("extreme orient",),
    "north africa": ("afrique du nord",),
    "west": ("occident",),
    "western": ("occident",),
    "korea": ("coree",),
    "dprk": ("rpdc", "coree"),
    "north": ("nord",),
    "south": ("sud",),
    "east": ("est", "orient"),
    "korean": ("coree", "coreen"),
    "russian": ("russe",),
    "britain": ("royaume uni", "britannique"),
    "british": ("britannique", "royaume uni"),
    "belarus": ("bielorussie",),
    "germany": ("allemagne",),
    "hermit kingdom": ("royaume ermite",),
    "pentagon": ("pentagone",),
    "state": ("etat",),
    "people": ("populaire",),
    "adviser": ("conseiller",),
    "advisor": ("conseiller",),
    "foreign": ("etranger", "etrangere", "exterieur"),
    "monday": ("lundi",),
    "tuesday": ("mardi",),
    "wednesday": ("mercredi",),
    "thursday": ("jeudi",),
    "friday": ("vendredi",),
    "saturday": ("samedi",),
    "sunday": ("dimanche",),
    "january": ("janvier",),
    "february": ("fevrier",),
    "march": ("mars",),
    "april": ("avril",),
    "may": ("mai",),
    "june": ("juin",),
    "july": ("juillet",),
    "august": ("aout",),
    "september": ("septembre",),
    "october": ("octobre",),
    "november": ("novembre",),
    "december": ("decembre",),
}
# Character similarity above which a name and a source word are the same name (Moscow/Moscou).
NAME_SIMILARITY = 0.7
# A shared beginning this long also pairs them (Ukrainian/ukrainienne, Strategic/stratégiques).
NAME_PREFIX = 4

_WORD = re.compile(r"[^\W_][\w]*(?:['’-][^\W_][\w]*)*")
# The common-word half of a compound is no part of the name: "Iranian-made", "Russian-controlled".
_LOWER_COMPOUND_PART = re.compile(r"-[a-z]{2,}\b(?!-)")
_POSSESSIVE = re.compile(r"['’]s\b", re.IGNORECASE)
_CONTRACTIONS = ((re.compile(r"\bwon['’]t\b", re.I), "will not"), (re.compile(r"\bcan['’]t\b", re.I), "can not"),
                 (re.compile(r"n['’]t\b", re.I), " not"))
# Characters after which a capitalised word starts a sentence or a quote rather than naming something.
_OPENERS = set("“«‘(:.!?—–-[")
_STRAIGHT_QUOTES = set("\"'")
_STEMMER = snowballstemmer.stemmer("english")


def fold(text: str) -> str:
    """Lower case without accents: "Séoul" and "seoul" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


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


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry the claim, in order (numbers are checked separately)."""
    return [_stem(fold(w)) for token in _tokens(text) for w in token.replace("’", "'").split("-")
            if _is_content(token) and w]


def bigrams(stems: list[str]) -> set[tuple[str, str]]:
    return set(itertools.pairwise(stems))


@dataclass(frozen=True)
class Polarity:
    """Content stems a text negates, and those it states without negation."""

    negated: frozenset[str]
    affirmed: frozenset[str]


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


def entities(text: str) -> list[Entity]:
    """Runs of capitalised words, joined by "of", "for", "and"...; function words excluded."""
    found: list[Entity] = []
    run: list[re.Match[str]] = []
    pending_joiners: list[re.Match[str]] = []

    def close() -> None:
        if run:
            start, end = run[0].start(), run[-1].end()
            name = text[start:end]
            found.append(Entity(name, tuple(plain_words(name)), tuple(plain_words(_LOWER_COMPOUND_PART.sub("", name))),
                                _opens(text, start)))
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
    return found


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
    return n > 0 and any(tuple(haystack[i:i + n]) == needle for i in range(len(haystack) - n + 1))


def name_in_source(entity: Entity, source_words: list[str]) -> bool:
    """Every word of the name appears in the source in its own spelling (folded), in a close
    spelling (Moscow/Moscou), or within a listed exonym (White House/Maison Blanche)."""
    words = list(entity.name_words)
    source_phrase = " " + " ".join(source_words) + " "
    covered: set[int] = set()
    for english, french_forms in EXONYMS.items():
        parts = english.split()
        if not any(f" {form}" in source_phrase for form in french_forms):  # inflected: "occident" in "occidentaux"
            continue
        for i in range(len(words) - len(parts) + 1):
            if words[i:i + len(parts)] == parts:
                covered.update(range(i, i + len(parts)))
    vocabulary = set(source_words)
    return all(i in covered or word in _NAME_JOINERS or _same_name(word, vocabulary) for i, word in enumerate(words))


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
