"""Sentence splitting, date header and boilerplate rules, each case checked against exact spans."""

from __future__ import annotations

import pytest

from pipeline.text import (
    Span,
    complement,
    find_boilerplate,
    furniture,
    is_headline,
    normalize_date,
    parse_date_header,
    split_sentences,
)


def sentences(text: str) -> list[str]:
    spans = split_sentences(text)
    for span in spans:
        piece = text[span.start : span.end]
        assert piece == piece.strip() and piece, f"span {span} is not a stripped, non-empty piece"
    assert spans == sorted(spans) and all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
    return [text[span.start : span.end] for span in spans]


SPLIT_CASES = [
    # sentences glued without a space (seeds/000)
    (
        "glued",
        "un responsable anonyme de Washington.Selon cette source, rien.",
        ["un responsable anonyme de Washington.", "Selon cette source, rien."],
    ),
    (
        "glued",
        "si Pyongyang recevra une contrepartie.Ce soutien armé semble réel.",
        ["si Pyongyang recevra une contrepartie.", "Ce soutien armé semble réel."],
    ),
    (
        "glued",
        "avec son homologue nord-coréen.Le département a répondu.",
        ["avec son homologue nord-coréen.", "Le département a répondu."],
    ),
    (
        "glued",
        "les porte-parole du Pentagone.Jusqu'à présent, rien.",
        ["les porte-parole du Pentagone.", "Jusqu'à présent, rien."],
    ),
    (
        "glued",
        "sans se soucier des Etats-Unis.Le gouvernement suit.",
        ["sans se soucier des Etats-Unis.", "Le gouvernement suit."],
    ),
    ("glued", "Est-ce vrai?Personne ne le sait.", ["Est-ce vrai?", "Personne ne le sait."]),
    ("glued acronym", "selon la CBS.Selon la KBS, non.", ["selon la CBS.", "Selon la KBS, non."]),
    ("not glued: all caps", "Le framework ASP.NET est utilisé.", ["Le framework ASP.NET est utilisé."]),
    # numbers
    (
        "decimals",
        "La croissance est de 1,5 % et de 3.14 points. Elle baisse.",
        ["La croissance est de 1,5 % et de 3.14 points.", "Elle baisse."],
    ),
    ("thousands", "Plus de 1.000 conteneurs. Et 1 000 autres.", ["Plus de 1.000 conteneurs.", "Et 1 000 autres."]),
    (
        "number starts a sentence",
        "Il est arrivé le 8 novembre. 15 personnes l'attendaient.",
        ["Il est arrivé le 8 novembre.", "15 personnes l'attendaient."],
    ),
    # acronyms, initials, abbreviations
    ("acronym", "Les U.S. Marines sont arrivés. Ils repartent.", ["Les U.S. Marines sont arrivés.", "Ils repartent."]),
    ("acronym", "Selon les U.S.A. Washington est loin.", ["Selon les U.S.A. Washington est loin."]),
    ("acronym lower", "Des armes, i.e. Des obus.", ["Des armes, i.e. Des obus."]),
    (
        "initials",
        "J. R. R. Tolkien a écrit ce livre. Il est connu.",
        ["J. R. R. Tolkien a écrit ce livre.", "Il est connu."],
    ),
    ("initials", "Kim J. Un est arrivé à Moscou.", ["Kim J. Un est arrivé à Moscou."]),
    ("initials glued", "Le livre de J.R.R. Tolkien.", ["Le livre de J.R.R. Tolkien."]),
    (
        "abbreviations",
        "M. Dupont et Mme Durand sont venus. Ils sont partis.",
        ["M. Dupont et Mme Durand sont venus.", "Ils sont partis."],
    ),
    ("abbreviations", "Le Dr. Martin et le Pr. Blanc sont là.", ["Le Dr. Martin et le Pr. Blanc sont là."]),
    (
        "abbreviations",
        "La ville date de 300 av. J.-C. environ. Elle fut détruite.",
        ["La ville date de 300 av. J.-C. environ.", "Elle fut détruite."],
    ),
    (
        "abbreviations",
        "Des villes, p. ex. Lyon ou Paris, et cf. Marseille.",
        ["Des villes, p. ex. Lyon ou Paris, et cf. Marseille."],
    ),
    ("abbreviations", "Voir le chap. 3 et la fig. 2 du rapport.", ["Voir le chap. 3 et la fig. 2 du rapport."]),
    ("abbreviation glued", "Il est mort en 300 av.J.-C. à Rome.", ["Il est mort en 300 av.J.-C. à Rome."]),
    ("not an abbreviation", "Ils étaient sept. Le lendemain, trois.", ["Ils étaient sept.", "Le lendemain, trois."]),
    ("etc. ends", "Des obus, des roquettes, etc. Le reste suit.", ["Des obus, des roquettes, etc.", "Le reste suit."]),
    # links
    (
        "url",
        "Voir https://www.example.com/a.b pour les détails. Puis partez.",
        ["Voir https://www.example.com/a.b pour les détails.", "Puis partez."],
    ),
    (
        "url with capitals",
        "Lien : https://example.com/Rapport.Final.pdf ici.",
        ["Lien : https://example.com/Rapport.Final.pdf ici."],
    ),
    (
        "url ends a sentence",
        "Le texte est sur www.example.com. Lisez-le.",
        ["Le texte est sur www.example.com.", "Lisez-le."],
    ),
    (
        "email",
        "Écrivez à jean.Dupont@example.fr pour plus. Merci.",
        ["Écrivez à jean.Dupont@example.fr pour plus.", "Merci."],
    ),
    # quotes keep their closing mark
    (
        "guillemets",
        "Il a déclaré : « Nous condamnons la RPDC. » Il a ajouté autre chose.",
        ["Il a déclaré : « Nous condamnons la RPDC. »", "Il a ajouté autre chose."],
    ),
    (
        "guillemets nbsp",
        "Il a dit\u00a0: «\u00a0Non.\u00a0» Puis il est parti.",
        ["Il a dit\u00a0: «\u00a0Non.\u00a0»", "Puis il est parti."],
    ),
    ("quote then sentence", "une « lutte sacrée ». Le reste suit.", ["une « lutte sacrée ».", "Le reste suit."]),
    (
        "curly quotes",
        "“Nous sommes prêts.” Il est parti. “Vraiment ?” Oui.",
        ["“Nous sommes prêts.”", "Il est parti.", "“Vraiment ?”", "Oui."],
    ),
    (
        "ascii quotes",
        'a déclaré : "Nous condamnons la RPDC." Il a également souligné.',
        ['a déclaré : "Nous condamnons la RPDC."', "Il a également souligné."],
    ),
    (
        "opening quote starts",
        'Kirby a parlé. "Nous disposons d\'informations."',
        ["Kirby a parlé.", '"Nous disposons d\'informations."'],
    ),
    (
        "quote inside",
        '"Fournir des armes... cela ne donnera rien", a déclaré Jake Sullivan.',
        ['"Fournir des armes... cela ne donnera rien", a déclaré Jake Sullivan.'],
    ),
    # ellipses and French spacing
    (
        "ellipsis mid-sentence",
        "À l'approche de l'hiver... cela ne donnera rien. Fin.",
        ["À l'approche de l'hiver... cela ne donnera rien.", "Fin."],
    ),
    ("ellipsis ends", "Il hésita… Puis il partit.", ["Il hésita…", "Puis il partit."]),
    (
        "question with space",
        "Mais quel sera l'impact sur le conflit ? Personne ne sait.",
        ["Mais quel sera l'impact sur le conflit ?", "Personne ne sait."],
    ),
    ("question mid-sentence", "Quoi ? dit-il, surpris.", ["Quoi ? dit-il, surpris."]),
    ("exclamation", "Quelle surprise ! Tout le monde applaudit !", ["Quelle surprise !", "Tout le monde applaudit !"]),
    # lines and paragraphs
    (
        "headline line",
        "Titre sans point\nLe corps commence ici. Et continue.",
        ["Titre sans point", "Le corps commence ici.", "Et continue."],
    ),
    (
        "wrapped line",
        "Une phrase coupée\nen deux lignes. Puis une autre.",
        ["Une phrase coupée\nen deux lignes.", "Puis une autre."],
    ),
    (
        "wrapped after comma",
        "Selon la Maison-Blanche,\nPyongyang a livré des armes.",
        ["Selon la Maison-Blanche,\nPyongyang a livré des armes."],
    ),
    (
        "hard-wrapped paragraph",
        "La Corée du Nord a livré des armes à la\nRussie, selon la Maison-Blanche. Le "
        "porte-parole\nJohn Kirby a confirmé ces livraisons vendredi\nà Washington.\n\nUn autre paragraphe.",
        [
            "La Corée du Nord a livré des armes à la\nRussie, selon la Maison-Blanche.",
            "Le porte-parole\nJohn Kirby a confirmé ces livraisons vendredi\nà Washington.",
            "Un autre paragraphe.",
        ],
    ),
    (
        "one sentence a line",
        "Premier titre\nUne phrase.\nUne autre phrase.\nSous-titre\nFin.",
        ["Premier titre", "Une phrase.", "Une autre phrase.", "Sous-titre", "Fin."],
    ),
    (
        "paragraphs",
        "Premier paragraphe sans point\n\nSecond paragraphe.",
        ["Premier paragraphe sans point", "Second paragraphe."],
    ),
    ("crlf", "Un titre\r\nUne phrase.\r\n\r\nUne autre.\r\n", ["Un titre", "Une phrase.", "Une autre."]),
    ("old mac newlines", "Un titre\rUne phrase.", ["Un titre", "Une phrase."]),
    ("no final punctuation", "pas de point final ici", ["pas de point final ici"]),
    (
        "markdown",
        "# Le titre\n\n- Premier point.\n- Second point.\n\n> Une citation.\n\n1. Numéroté",
        ["Le titre", "Premier point.", "Second point.", "Une citation.", "Numéroté"],
    ),
    ("no letters dropped", "Une phrase.\n\n---\n\n* * *\n\nUne autre.", ["Une phrase.", "Une autre."]),
    ("blank text", " \n\t\n", []),
]


@pytest.mark.parametrize(
    ("rule", "text", "expected"), SPLIT_CASES, ids=[f"{case[0]}-{i}" for i, case in enumerate(SPLIT_CASES)]
)
def test_split_sentences(rule: str, text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_split_only_inside_regions() -> None:
    text = "Avant. [pub] Pendant la phrase. Après."
    hole = Span(text.index("[pub]"), text.index("[pub]") + len("[pub]"))
    spans = split_sentences(text, complement([hole], 0, len(text)))
    assert [text[s.start : s.end] for s in spans] == ["Avant.", "Pendant la phrase.", "Après."]


@pytest.mark.parametrize(
    ("text", "date", "body"),
    [
        (" date 2023-10 Photo : YONHAP News\n\nLa Corée.", "2023-10", "Photo : YONHAP News\n\nLa Corée."),
        (" date 2023-11 Le secrétaire a averti.", "2023-11", "Le secrétaire a averti."),
        ("date 2023-10-13\nTexte.", "2023-10-13", "\nTexte."),
        ("Date 2023-10 Texte.", "2023-10", "Texte."),
        ("\n\n date 2023-10 Publicité\n", "2023-10", "Publicité\n"),
        (" date 2023-13 Texte.", None, " date 2023-13 Texte."),  # no 13th month: not a header
        ("Une date 2023-10 au milieu.", None, "Une date 2023-10 au milieu."),
        (" date 2023-10-1234 Texte.", None, " date 2023-10-1234 Texte."),
    ],
)
def test_parse_date_header(text: str, date: str | None, body: str) -> None:
    parsed, body_start = parse_date_header(text)
    assert parsed == date
    assert text[body_start:] == body


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023", "2023"),
        ("2023-10", "2023-10"),
        ("2023-10-13", "2023-10-13"),
        ("2023-10-13T08:30:00Z", "2023-10-13"),
        (" 2023-10-13 08:30 ", "2023-10-13"),
        ("2023-02-30", None),
        ("13/10/2023", None),
        ("octobre", None),
        ("", None),
    ],
)
def test_normalize_date(value: str, expected: str | None) -> None:
    assert normalize_date(value) == expected


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("[ad_1]", "ad_marker"),
        ("Source link -32", "source_link"),
        ("Source link", "source_link"),
        ("Lire aussi : Les transferts d’armes nord-coréens vers la Russie", "read_also"),
        ("À lire aussi: un autre article", "read_also"),
        ("Publicité", "advertisement"),
        ("  Publicité  ", "advertisement"),
        ("Photo : YONHAP News", "photo_credit"),
        ("Crédit photo : AFP", "photo_credit"),
        (
            "Nous portons la voix de l’Ukraine au monde. Soutien nous avec un don unique, ou devenez un mécène!",
            "donation_appeal",
        ),
        ("Soutenez-nous : faites un don.", "donation_appeal"),
        ("Lire l’article original sur La nouvelle voix de l’Ukraine", "original_article"),
        ("Lire l'article original", "original_article"),
        # real sentences that merely mention the words stay
        ("La publicité a été interdite par le gouvernement.", None),
        ("Les photos satellites publiées le 16 octobre montrent des navires.", None),
        ("Il a fait un don de 5 millions de dollars à la Croix-Rouge.", None),
        ("Source: Reuters a confirmé la livraison.", None),
    ],
)
def test_boilerplate_rules(line: str, rule: str | None) -> None:
    text = f"Une phrase.\n{line}\nUne autre."
    found = find_boilerplate(text)
    assert [name for name, _ in found] == ([rule] if rule else [])
    for _, span in found:
        assert text[span.start : span.end] == line.strip()


def test_inline_boilerplate_keeps_the_rest_of_the_line() -> None:
    text = "Début [ad_1] fin de la phrase."
    found = find_boilerplate(text)
    assert [(name, text[s.start : s.end]) for name, s in found] == [("ad_marker", "[ad_1]")]


def test_boilerplate_after_date_header_counts_as_a_line() -> None:
    text = " date 2023-10 Publicité\n\nLe texte."
    _, body_start = parse_date_header(text)
    assert [(name, text[s.start : s.end]) for name, s in find_boilerplate(text, body_start)] == [
        ("advertisement", "Publicité")
    ]


@pytest.mark.parametrize(
    ("text", "headline"),
    [
        ("La Corée du Nord approvisionne désormais la Russie\nSelon la Maison-Blanche, oui.", True),
        ("La Corée du Nord approvisionne la Russie.\nSelon la Maison-Blanche, oui.", False),
        ("Une question ?\nOui.", False),
        ("minuscule au début\nSuite.", False),
        ("Un titre  \r\nSuite.", True),
        ("Un titre suivi d'une phrase. Suite.", False),
    ],
)
def test_is_headline(text: str, headline: bool) -> None:
    first = split_sentences(text)[0]
    assert is_headline(text, first) is headline


FURNITURE_CASES = [
    # (piece, kind) inside a punctuated French or English report; None: a real sentence that stays
    ("Keystone", "label"),
    ("Mayotte\nen direct", "menu"),
    ("L'ESSENTIEL", "label"),
    ("Lire la brève.", "read_more"),
    ("Read more about the storm", "read_more"),
    ("Vous avez refusé les cookies associés aux contenus issus de tiers.", "cookie_notice"),
    ("We use cookies to improve your experience.", "cookie_notice"),
    ("— European Space Agency (@esa) July 9, 2024", "embedded_post"),
    ("Gabon wants a new leader! pic.twitter.com/asqfJSVR4w", "embedded_post"),
    ("5,4,3,2,1 allumage Vulcain! 🚀", "embedded_post"),
    ("Le président à Mamoudzou, le 19 décembre 2024 ( POOL / Ludovic MARIN )", "photo_credit"),
    ("La fusée au décollage • ©Karl Constable", "photo_credit"),
    ("Le président Macron s'exprime lors d'une visite de chantier, le 29 novembre 2024", "caption"),
    ("Le gouvernement a annoncé un nouvel envoi dimanche de 140 militaires", "cut_off"),
    ("Le cyclone a fait au moins 31 morts, selon les autorités.", None),
    ("The cyclone killed at least 31 people, officials said.", None),
    ("Pyongyang et Téhéran, principales sources d’armement de la Russie", None),  # a subheading
    ("« Nous reconstruirons », a-t-il déclaré.", None),
    ("Les cookies de Noël ont été distribués aux enfants.", None),
]


@pytest.mark.parametrize(("piece", "kind"), FURNITURE_CASES)
def test_furniture_kinds(piece: str, kind: str | None) -> None:
    body = ["Une première phrase du reportage.", piece, "Une phrase qui suit.", "Et la fin du texte."]
    if kind == "cut_off":
        body = [body[0], body[2], body[3], piece]  # a cut-off is the text's last piece
    text = "\n\n".join(body)
    spans = split_sentences(text)
    pieces = [text[s.start : s.end] for s in spans]
    assert piece in pieces
    assert furniture(text, spans)[pieces.index(piece)] == kind


def test_unpunctuated_text_keeps_its_lines() -> None:
    text = "une ligne sans point\nune autre ligne sans point\nencore une"
    assert furniture(text, split_sentences(text)) == [None]


def test_headline_over_a_hard_wrapped_looking_paragraph_is_split() -> None:
    text = (
        "Gabon : le général a prêté serment\nLe général, qui a renversé Ali Bongo, prête serment ce lundi"
        " comme président de la transition\nUN DISCOURS\nPrestation de serment\nIl a juré."
    )
    assert [text[s.start : s.end] for s in split_sentences(text)][0] == "Gabon : le général a prêté serment"
