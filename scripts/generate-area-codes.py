#!/usr/bin/env python3
"""Generates Sources/PhoneNumbersService/AreaCodes/AreaCodeTable.swift: the geographic
area codes (NPAs) of the 50 US states and DC, each with its state, and for each the
codes that serve the same places (overlays first, then neighbours), to suggest when a
code has no numbers.

Source: the metadata of Google's libphonenumber, through the PyPI package
`phonenumbers` (Apache License 2.0, https://github.com/daviddrysdale/python-phonenumbers).
An NPA is kept when numbers in it are valid US numbers and the geocoder places them in
a state; its state is the one most of its exchanges are placed in. Two codes of one
state are neighbours when the geocoder places exchanges of both in the same cities; a
code's neighbours are ranked by the share of its cities the other serves (an overlay
serves them all), at most four.

Usage: pip install phonenumbers && scripts/generate-area-codes.py
"""
import collections
import os

import phonenumbers
from phonenumbers import geocoder

STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}
# Overlay complexes (codes that serve one area together), from the NANPA's published
# overlay plans. libphonenumber places newer overlay codes only in their state, so
# these come first among a code's neighbours.
OVERLAYS = [
    "212 646 332 917", "718 347 929 917", "516 363", "631 934", "845 329", "315 680", "518 838",
    "415 628", "310 424", "213 323", "818 747", "408 669", "510 341", "909 840", "714 657", "916 279",
    "760 442", "805 820", "707 369", "209 350", "619 858", "206 564", "360 564", "202 771",
    "617 857", "508 774", "781 339", "978 351", "312 872", "773 872", "847 224", "630 331", "708 464",
    "815 779", "217 447", "618 730", "214 469 972 945", "713 281 832 346", "512 737", "210 726",
    "817 682", "305 786 645", "954 754", "407 689 321", "813 656", "850 448", "404 678 470 943 770",
    "215 267 445", "412 878", "610 484 835", "717 223", "570 272", "201 551", "973 862", "732 848",
    "609 640", "301 240 227", "410 443 667", "703 571", "757 948", "804 686", "704 980", "919 984",
    "336 743", "910 472", "614 380", "513 283", "330 234", "419 567", "440 436", "937 326", "740 220",
    "248 947", "303 720 983", "602 480 623", "702 725", "503 971", "541 458", "801 385", "615 629",
    "314 557", "816 975", "317 463", "812 930", "920 274", "715 534", "270 364", "803 839", "843 854",
    "205 659", "256 938", "405 572", "918 539", "203 475", "860 959",
]

BY_NAME = {name.lower(): code for code, name in STATES.items()}
BY_NAME["washington state"] = "WA"
BY_NAME["washington d.c."] = "DC"
BY_NAME["washington, d.c."] = "DC"


def state_of(description):
    if not description:
        return None
    text = description.strip()
    if text.lower() in BY_NAME:
        return BY_NAME[text.lower()]
    tail = text.rsplit(",", 1)[-1].strip()
    if tail in STATES:
        return tail
    return BY_NAME.get(tail.lower())


def main():
    rows = []
    places = {}
    for npa in range(200, 1000):
        digits = str(npa)
        if digits[1:] == "11" or digits[1] == digits[2] or digits[1] == "9":
            continue  # N11, easily recognisable codes (ERCs), N9X
        votes = collections.Counter()
        for nxx in range(200, 1000, 7):
            number = phonenumbers.parse("+1%s%d4567" % (digits, nxx))
            if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != "US":
                continue
            description = geocoder.description_for_number(number, "en")
            state = state_of(description)
            if state:
                votes[state] += 1
                if "," in description:  # a city; a bare state name says nothing about nearness
                    places.setdefault(digits, set()).add(description.strip().lower())
        if votes:
            rows.append((digits, votes.most_common(1)[0][0]))
    state_of_npa = dict(rows)
    overlays = collections.defaultdict(list)
    for group in OVERLAYS:
        codes = group.split()
        for code in codes:
            overlays[code] += [other for other in codes if other != code and other not in overlays[code]]
    neighbours = {}
    for npa, state in rows:
        mine = places.get(npa, set())
        scored = []
        for other, other_state in rows:
            if other == npa or other_state != state:
                continue
            shared = len(mine & places.get(other, set()))
            if shared:
                scored.append((-shared / len(mine), other))
        ranked = [o for o in overlays.get(npa, []) if state_of_npa.get(o) == state]
        ranked += [other for _, other in sorted(scored) if other not in ranked]
        neighbours[npa] = ranked[:4]
    out = [
        "// Generated by scripts/generate-area-codes.py. DO NOT EDIT.",
        "// Data: Google's libphonenumber metadata via the PyPI package `phonenumbers`",
        "// (Apache License 2.0). %d geographic area codes of the 50 states and DC." % len(rows),
        "",
        "extension AreaCodeDirectory {",
        "    /// (area code, state) for every geographic US area code.",
        "    static let table: [(npa: String, state: String)] = [",
    ]
    for npa, state in rows:
        out.append('        ("%s", "%s"),' % (npa, state))
    out += ["    ]", "", "    /// Codes of the same state serving the same places, closest first (overlays first).",
            "    static let neighbours: [String: [String]] = ["]
    for npa, _ in rows:
        if neighbours[npa]:
            out.append('        "%s": [%s],' % (npa, ", ".join('"%s"' % n for n in neighbours[npa])))
    out += ["    ]", "", "    /// State codes and names.", "    static let stateNames: [String: String] = ["]
    for code in sorted(STATES):
        out.append('        "%s": "%s",' % (code, STATES[code]))
    out += ["    ]", "}", ""]
    path = os.path.join(os.path.dirname(__file__), "..", "Sources", "PhoneNumbersService", "AreaCodes", "AreaCodeTable.swift")
    with open(path, "w") as fh:
        fh.write("\n".join(out))
    print("wrote %d area codes" % len(rows))


if __name__ == "__main__":
    main()
