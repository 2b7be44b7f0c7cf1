"""Name, surname and place pools for the synthetic identity data (see synthetic.py).

Given names are popular names for children born 2000-2025 plus Faker's en-GB lists,
drawn with a gentle Zipf weight; surnames carry ONS-like weights (Smith about 1 %)
with a thinner tail from other Faker locales; postcodes use Lancashire-like districts.
"""

from itertools import accumulate

from faker.providers.person.en_GB import Provider as GB
from faker.providers.person.en_IE import Provider as IE
from faker.providers.person.en_US import Provider as US

__all__ = ["DISTRICTS", "GIVEN_POOL", "INWARD", "STREETS", "SURNAME_POOL"]

_GIVEN = {
    "F": "Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Evie Poppy Ella "
    "Emily Chloe Jessica Ruby Charlotte Sophie Hannah Lucy Holly Megan Katie Lauren Eleanor "
    "Elizabeth Florence Matilda Amber Phoebe Harriet Maisie Aisha Zara Maryam Niamh Erin Layla "
    "Daisy Willow Esme Imogen Abigail Madison Rebecca Victoria Katherine Samantha Georgia "
    "Bethany Molly Alice Scarlett Zoë Chloé Renée Zuzanna Amelie Leah Caitlin Kayleigh",
    "M": "Oliver George Harry Noah Jack Leo Arthur Muhammad Oscar Charlie Jacob Thomas Alfie "
    "Freddie Theo Archie Joshua James William Henry Samuel Daniel Benjamin Max Lewis Joseph "
    "Ethan Dylan Mason Logan Tyler Kai Riley Harvey Finley Reuben Ryan Callum Connor Liam Aaron "
    "Adam Ali Yusuf Ibrahim Alexander Edward Frederick Alfred Matthew Nathaniel Christopher "
    "Robert Michael Zachary Theodore José Łukasz Jakub Sean Aidan Mohammed Oskar",
}
_EXTRA_SURNAMES = "Khan Patel Ahmed Hussain Begum Ali Shah Akhtar Iqbal Mahmood Nowak Kowalski "
_EXTRA_SURNAMES += "Wiśniewski O'Brien O'Neill McDonald Nguyen Öztürk Müller"
_AREAS = {"PR": (1, 2, 3, 4, 5, 6, 7, 25, 26), "BB": (1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12)}
_AREAS |= {"FY": tuple(range(1, 9)), "LA": tuple(range(1, 6)), "L": (39, 40), "WN": (8,)}
DISTRICTS = [f"{area}{n}" for area, numbers in _AREAS.items() for n in numbers]
INWARD = "ABDEFGHJLNPQRSTUWXYZ"
STREETS = [f"{n} {s}" for n in GB.last_names for s in ("Road", "Street", "Lane", "Close")]


def _zipf(names: list[str], s: float = 0.5) -> tuple[list[str], list[float]]:
    return names, list(accumulate(1 / (r + 1) ** s for r in range(len(names))))


GIVEN_POOL = {
    sex: _zipf(
        _GIVEN[sex].split() + list(GB.first_names_male if sex == "M" else GB.first_names_female)
    )
    for sex in ("F", "M")
}


def _surname_weights() -> dict[str, float]:
    # en-GB weights are ONS percentages (Smith 1.15); the tail is spread thinner.
    weights = dict(GB.last_names)
    for name in _EXTRA_SURNAMES.split():
        weights.setdefault(name, 0.3)
    for name, share in US.last_names.items():
        weights.setdefault(name, share * 20)
    for name in IE.last_names:
        weights.setdefault(name, 0.01)
    return weights


SURNAME_POOL = (list(_surname_weights()), list(accumulate(_surname_weights().values())))
