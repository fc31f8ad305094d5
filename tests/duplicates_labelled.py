"""A labelled set of fictitious person records for the duplicate finder (generated, seeded; no real people).

860 persons: 220 known duplicate pairs (11 kinds of variation, 20 pairs each),
60 look-alike pairs that are different people (20 twins, 20 fathers and sons of
whom 10 carry Jr/Sr, 20 sisters) and 300 other persons. Names are drawn from
pools of common first names and surnames of the communities a UK force serves;
coincidences between the other persons are left as they fall.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

VARIATIONS = ("exact", "accents dropped", "one typo", "forename/surname swapped", "double-barrelled cut",
              "capitals and spaces", "nickname", "surname changed on marriage", "dob day/month swapped",
              "one digit of the year mistyped", "dob missing on one record")
LOOK_ALIKES = ("twins", "father and son", "sisters")

FEMALE = ("Emma", "Sarah", "Laura", "Gemma", "Kelly", "Lisa", "Nicola", "Amy", "Hannah", "Chloe", "Niamh", "Aoife",
          "Jade", "Leanne", "Stacey", "Kirsty", "Danielle", "Charlotte", "Jessica", "Megan", "Shannon", "Courtney",
          "Agnieszka", "Zainab", "Amira", "Natalie", "Rachel", "Claire", "Joanne", "Donna", "Tracey", "Michelle",
          "Louise", "Helen", "Katie", "Lauren", "Sophie", "Holly", "Bethany", "Abigail", "Olivia", "Ellie", "Paige",
          "Tanya", "Kayleigh", "Carly", "Lindsay", "Marie", "Anna", "Ewa", "Monika", "Justyna", "Priya", "Sana",
          "Nadia", "Yasmin", "Leah", "Jodie", "Kerry", "Toni", "Gillian", "Fiona", "Ruth", "Alison", "Dawn",
          "Sharon", "Julie", "Wendy", "Karen", "Diane", "Bronwen", "Eilidh", "Morag", "Grainne", "Orla", "Ciara",
          "Mairead", "Teresa", "Bernadette", "Adaeze", "Chidinma", "Funmilayo", "Precious", "Blessing", "Shanice",
          "Tamika", "Keisha", "Simone", "Rosa", "Ines", "Lucia", "Beata", "Iwona", "Dorota", "Ilona", "Renata")
MALE = ("Daniel", "Liam", "Connor", "Ryan", "Jamie", "Lee", "Craig", "Darren", "Wayne", "Scott", "Dean", "Kyle",
        "Jordan", "David", "Paul", "Mark", "Stephen", "Gary", "Jason", "Carl", "Callum", "Lewis", "Nathan", "Adam",
        "Aaron", "Shane", "Marek", "Dariusz", "Imran", "Bilal", "Kwame", "Tyrone", "Neil", "Kevin", "Martin",
        "Ian", "Brian", "Graham", "Keith", "Barry", "Trevor", "Colin", "Gavin", "Ross", "Stuart", "Fraser",
        "Euan", "Declan", "Ciaran", "Padraig", "Rhys", "Owain", "Gareth", "Emeka", "Chinedu", "Tunde", "Kofi",
        "Marcus", "Andre", "Jerome", "Rafal", "Pawel", "Krzysztof", "Grzegorz", "Mateusz", "Jakub", "Arjun",
        "Ravi", "Sanjay", "Vikram", "Hamza", "Zubair", "Faisal", "Kamran", "Asif", "Dale", "Leon", "Reece",
        "Ashley", "Robbie", "Jack", "Harry", "George", "Oscar", "Joel", "Luca", "Mario", "Diego", "Hugo")
SURNAMES = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
            "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel",
            "Khan", "Ahmed", "Hussain", "Begum", "Nowak", "Kowalczyk", "Lewandowski", "McDonald", "Harrison",
            "Turner", "Hughes", "Edwards", "Lewis", "Morgan", "Cooper", "Ward", "Morris", "King", "Baker",
            "Harris", "Martin", "Moore", "Scott", "Young", "Allen", "Mitchell", "Kelly", "Carter", "Anderson",
            "Bennett", "Shaw", "Watson", "Bailey", "Fisher", "Mason", "Holmes", "Chapman", "Reid", "Murray",
            "Campbell", "Stewart", "Fraser", "Quinn", "Doherty", "Gallagher", "Byrne", "Walsh", "Murphy",
            "Kennedy", "Lynch", "Okafor", "Adeyemi", "Mensah", "Osei", "Boateng", "Nwosu", "Afolabi", "Singh",
            "Sharma", "Kaur", "Gill", "Chaudhry", "Iqbal", "Rashid", "Malik", "Mahmood", "Zielinski", "Wozniak",
            "Kaminski", "Szymanski", "Wisniewski", "Dabrowski", "Jankowski", "Mazur", "Krawczyk", "Pearson",
            "Fletcher", "Dixon", "Hunt", "Palmer", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell",
            "Price", "Marshall", "Ellis", "Gibson", "Wells", "Armstrong", "Burton", "Kerr", "Ferguson", "Hamilton",
            "Graham", "Rose", "Hart", "Fox", "Stone", "Booth", "Parry", "Howell", "Rowe", "Nash", "Sutton", "Hale")
ACCENTED = (("Siobhán", "Ó Briain"), ("Zoë", "Müller"), ("Sinéad", "Ní Bhriain"), ("Róisín", "Dvořák"),
            ("Renée", "Lefèvre"), ("Anaïs", "Girard"), ("Małgorzata", "Wójcik"), ("José", "Peña"),
            ("Łukasz", "Wiśniewski"), ("Seán", "Ó Dónaill"), ("Chloë", "Brontë"), ("Zoë", "Kovač"),
            ("Inés", "Muñoz"), ("Björn", "Åström"), ("Noémie", "Bérubé"), ("Ségolène", "Thérien"),
            ("Fernão", "Gonçalves"), ("Agnès", "Dupré"), ("Jürgen", "Schäfer"), ("Dagmar", "Kübler"))
SPACED = ("O'Neill", "O'Brien", "Mac Giolla", "McDonald", "De Souza", "Van der Berg", "St John", "O'Connor",
          "Mc Grath", "D'Souza", "Le Roux", "Du Plessis", "O'Sullivan", "Fitz Gerald", "Mac Lean", "O'Donnell",
          "Van Dyke", "De La Cruz", "Al Hassan", "El Amin")
NICKNAMES = (("William", "Bill", True), ("Rebecca", "Becky", False), ("Mohammed", "Muhammad", True),
             ("Elizabeth", "Liz", False), ("Robert", "Bob", True), ("Margaret", "Peggy", False),
             ("Katherine", "Kate", False), ("Jennifer", "Jenny", False), ("Richard", "Dick", True),
             ("James", "Jim", True), ("Samantha", "Sam", False), ("Alexander", "Alex", True),
             ("Christopher", "Chris", True), ("Michael", "Mike", True), ("Aisha", "Ayesha", False),
             ("Thomas", "Tom", True), ("Victoria", "Vicky", False), ("Anthony", "Tony", True),
             ("Patricia", "Trish", False), ("Mohamed", "Mohammad", True))


@dataclass
class Person:
    id: str
    forename: str
    surname: str
    dob: str | None


@dataclass
class Labelled:
    persons: list[Person] = field(default_factory=list)
    duplicates: dict[tuple[str, str], str] = field(default_factory=dict)    # (a, b) sorted -> variation
    look_alikes: dict[tuple[str, str], str] = field(default_factory=dict)   # (a, b) sorted -> kind


def _typo(rng: random.Random, word: str) -> str:
    letters = "abcdefghijklmnoprstuvwy"
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("substitute", "insert", "delete", "transpose"))
    if kind == "substitute":
        return word[:i] + rng.choice([c for c in letters if c != word[i].lower()]) + word[i + 1:]
    if kind == "insert":
        return word[:i] + rng.choice(letters) + word[i:]
    if kind == "delete":
        return word[:i] + word[i + 1:]
    if word[i] == word[i + 1]:
        return word[:i] + rng.choice([c for c in letters if c != word[i].lower()]) + word[i + 1:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def _dob(rng: random.Random, lo: int = 1958, hi: int = 2006) -> dt.date:
    return dt.date(lo, 1, 1) + dt.timedelta(days=rng.randrange((dt.date(hi, 12, 31) - dt.date(lo, 1, 1)).days))


def generate(seed: int = 19) -> Labelled:
    rng = random.Random(seed)
    out = Labelled()
    records: list[tuple[str, str, str | None, tuple]] = []   # forename, surname, dob, (label kind, group, tag)

    def female() -> str:
        return rng.choice(FEMALE)

    def any_forename() -> str:
        return rng.choice(FEMALE + MALE)

    def surname() -> str:
        return rng.choice(SURNAMES)

    def add_pair(a, b, kind: str, what: str) -> None:
        g = len(records)
        records.append((*a, (kind, g, what)))
        records.append((*b, (kind, g, what)))

    for what in VARIATIONS:
        for k in range(20):
            fn, sn, dob = any_forename(), surname(), _dob(rng)
            d = dob.isoformat()
            if what == "exact":
                a, b = (fn, sn, d), (fn, sn, d)
            elif what == "accents dropped":
                fn, sn = ACCENTED[k]
                import unicodedata
                plain = "".join(c for c in unicodedata.normalize("NFKD", f"{fn}|{sn}") if not unicodedata.combining(c))
                pf, ps = plain.replace("Ł", "L").replace("ł", "l").split("|")
                a, b = (fn, sn, d), (pf, ps, d)
            elif what == "one typo":
                if rng.random() < 0.5 and len(sn) >= 4:
                    a, b = (fn, sn, d), (fn, _typo(rng, sn), d)
                else:
                    fn = rng.choice([f for f in FEMALE + MALE if len(f) >= 4])
                    a, b = (fn, sn, d), (_typo(rng, fn), sn, d)
            elif what == "forename/surname swapped":
                a, b = (fn, sn, d), (sn, fn, d)
            elif what == "double-barrelled cut":
                other = surname()
                while other == sn:
                    other = surname()
                a, b = (fn, f"{sn}-{other}", d), (fn, rng.choice((sn, other)), d)
            elif what == "capitals and spaces":
                sn = SPACED[k]
                squashed = sn.replace(" ", "").replace("'", "") if " " in sn or "'" in sn else sn[:2] + " " + sn[2:]
                a, b = (fn, sn, d), (fn.upper(), squashed.upper() if k % 2 else squashed.lower(), d)
            elif what == "nickname":
                formal, nick, _male = NICKNAMES[k]
                a, b = (formal, sn, d), (nick, sn, d)
            elif what == "surname changed on marriage":
                fn = female()
                other = surname()
                while other == sn:
                    other = surname()
                a, b = (fn, sn, d), (fn, other, d)
            elif what == "dob day/month swapped":
                while dob.day > 12 or dob.day == dob.month:
                    dob = _dob(rng)
                d = dob.isoformat()
                a, b = (fn, sn, d), (fn, sn, dt.date(dob.year, dob.day, dob.month).isoformat())
            elif what == "one digit of the year mistyped":
                y = dob.year
                while True:
                    digit = rng.choice((2, 3))              # the tens or the units of the year
                    s = list(str(y))
                    s[digit] = rng.choice([c for c in "0123456789" if c != s[digit]])
                    y2 = int("".join(s))
                    if 1940 <= y2 <= 2010:
                        try:
                            other = dob.replace(year=y2)
                            break
                        except ValueError:
                            continue
                a, b = (fn, sn, d), (fn, sn, other.isoformat())
            else:   # dob missing on one record
                a, b = (fn, sn, d), (fn, sn, None)
            if rng.random() < 0.5:
                a, b = b, a
            add_pair(a, b, "duplicate", what)

    for what in LOOK_ALIKES:
        for k in range(20):
            sn = surname()
            if what == "twins":
                d = _dob(rng).isoformat()
                fa = any_forename()
                fb = any_forename()
                while fb[:2] == fa[:2]:
                    fb = any_forename()
                a, b = (fa, sn, d), (fb, sn, d)
            elif what == "father and son":
                fn = rng.choice(MALE)
                father = _dob(rng, 1945, 1970)
                son = _dob(rng, father.year + 20, min(father.year + 40, 2008))
                if k < 5:
                    a, b = (fn, f"{sn} Sr", father.isoformat()), (fn, f"{sn} Jr", son.isoformat())
                elif k < 10:
                    a, b = (fn, sn, father.isoformat()), (fn, f"{sn} Jr", son.isoformat())
                else:
                    a, b = (fn, sn, father.isoformat()), (fn, sn, son.isoformat())
            else:   # sisters
                older = _dob(rng, 1960, 2000)
                younger = older + dt.timedelta(days=rng.randint(300, 365 * 9))
                fa, fb = female(), female()
                while fb[:2] == fa[:2]:
                    fb = female()
                a, b = (fa, sn, older.isoformat()), (fb, sn, younger.isoformat())
            add_pair(a, b, "look-alike", what)

    while len(records) < 860:
        records.append((any_forename(), surname(), _dob(rng).isoformat(), ("other", len(records), "")))

    order = list(range(len(records)))
    rng.shuffle(order)
    ids = {}
    for n, i in enumerate(order):
        ids[i] = f"LB{n + 1:05d}"
    groups: dict[tuple[str, int], list[str]] = {}
    for i, (fn, sn, d, (kind, g, what)) in enumerate(records):
        out.persons.append(Person(ids[i], fn, sn, d))
        if kind in ("duplicate", "look-alike"):
            groups.setdefault((kind, g), []).append(ids[i])
    for i, (_fn, _sn, _d, (kind, g, what)) in enumerate(records):
        if kind in ("duplicate", "look-alike") and i == g:
            a, b = sorted(groups[(kind, g)])
            (out.duplicates if kind == "duplicate" else out.look_alikes)[(a, b)] = what
    out.persons.sort(key=lambda p: p.id)
    return out


def load(store, labelled: Labelled) -> None:
    """Put the persons in a store (as the importer would: the folded name key beside the names)."""
    from matac_desk.domain import name_key

    now = "2026-12-01T00:00:00+00:00"
    with store.transaction():
        store.conn.executemany(
            "INSERT INTO persons (id, forename, surname, dob, name_key, created_at, updated_at)"
            " VALUES (?,?,?,?,?,?,?)",
            [(p.id, p.forename, p.surname, p.dob, name_key(p.forename, p.surname), now, now)
             for p in labelled.persons])
