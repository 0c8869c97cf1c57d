"""The mock population database's synthetic citizens: deterministic (seeded), a few thousand,
generated in a few milliseconds and shared read-only between app instances.

Every id is valid: ``0`` + the 2-digit province-of-birth code, the gender/century digit
(0/1 male/female born 1900s, 2/3 in the 2000s), two digits of the birth year, six random
digits. People live in households (head, spouse, children, sometimes a parent of the head)
with father/mother/spouse links; some are known by birth year only; some also have a legacy
9-digit id (SoCMND) by which they can be found. The first citizen is the one of
``contracts/population/golden/TraCuuThongTinCongDan.reply.xml``.
"""

from __future__ import annotations

import bisect
import itertools
import random
import unicodedata
from dataclasses import dataclass, replace
from functools import cache

from mocks.population import geography, names

REFERENCE_YEAR = 2025  # ages are computed against this, not the clock: the seed never drifts
DEFAULT_SIZE = 3000

_PROVINCES = geography.PROVINCE_CODES
_PROVINCE_CUMULATIVE = tuple(itertools.accumulate(geography.PROVINCE_WEIGHTS))
_FAMILY_CUMULATIVE = tuple(itertools.accumulate(names.FAMILY_WEIGHTS))

HEAD, WIFE, HUSBAND, CHILD, FATHER, MOTHER = "01", "02", "03", "04", "05", "06"
MALE, FEMALE = "1", "2"


@dataclass(frozen=True, slots=True)
class Address:
    province: str
    district: str
    ward: str
    detail: str
    country: str = "VN"


@dataclass(frozen=True, slots=True)
class Relative:
    full_name: str
    id_number: str | None
    legacy_id: str | None
    nationality: str = "VN"


@dataclass(frozen=True, slots=True)
class HouseholdHead:
    relation: str  # QuanHe of the citizen to the head ("01": is the head)
    id_number: str
    legacy_id: str | None
    full_name: str


@dataclass(frozen=True, slots=True)
class Citizen:
    id_number: str
    legacy_id: str | None
    family: str
    middle: str | None
    given: str
    birth_year: int
    birth_date: str | None  # yyyyMMdd, or None when only the year is known
    gender: str
    ethnicity: str
    religion: str
    nationality: str
    marital: str
    blood: str
    birth_place: Address
    hometown: Address
    permanent: Address
    current: Address
    father: Relative | None
    mother: Relative | None
    spouse: Relative | None
    representative: Relative | None
    head: HouseholdHead
    household_book: str

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family, self.middle, self.given) if p)

    def as_relative(self) -> Relative:
        return Relative(self.full_name, self.id_number, self.legacy_id, self.nationality)

    def summary(self) -> dict[str, object]:
        """The normalized record ``GET /__admin/population/citizens`` lists."""
        birth = (
            f"{self.birth_date[:4]}-{self.birth_date[4:6]}-{self.birth_date[6:]}"
            if self.birth_date else str(self.birth_year)
        )
        return {
            "id_number": self.id_number,
            "legacy_id_number": self.legacy_id,
            "full_name": self.full_name,
            "birth_date": birth,
            "gender": "male" if self.gender == MALE else "female",
            "household_book_number": self.household_book,
            "household_relation": self.head.relation,
        }


def normalize_name(text: str) -> str:
    """How names are compared: NFC, upper case, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).upper().split())


@dataclass(frozen=True)
class Population:
    citizens: tuple[Citizen, ...]
    by_id: dict[str, Citizen]
    by_legacy_id: dict[str, Citizen]

    def find(self, *, id_number: str | None = None, legacy_id: str | None = None) -> Citizen | None:
        if id_number is not None:
            return self.by_id.get(id_number)
        if legacy_id is not None:
            return self.by_legacy_id.get(legacy_id)
        return None


@cache
def population(seed: int = 0, size: int = DEFAULT_SIZE) -> Population:
    """The seeded population (cached: immutable, so app instances share it)."""
    from mocks.population.golden import golden_citizen  # the fixed first citizen

    first = golden_citizen()
    generator = _Generator(random.Random(seed), reserved={first.id_number}, legacy={first.legacy_id})
    citizens = [first]
    while len(citizens) < size:
        citizens.extend(generator.household())
    citizens = citizens[:size]
    by_id = {c.id_number: c for c in citizens}
    by_legacy = {c.legacy_id: c for c in citizens if c.legacy_id}
    return Population(tuple(citizens), by_id, by_legacy)


class _Generator:
    def __init__(self, rng: random.Random, *, reserved: set[str], legacy: set[str | None]) -> None:
        self.rng = rng
        self.ids = set(reserved)
        self.legacy_ids = {x for x in legacy if x}
        self.books = 0
        self._random = rng.random  # picks via random() alone: ~3x faster than choice/randint

    def pick(self, seq):  # noqa: ANN001, ANN201 - any sequence
        return seq[int(self._random() * len(seq))]

    def between(self, low: int, high: int) -> int:
        return low + int(self._random() * (high - low + 1))

    def below(self, n: int) -> int:
        return int(self._random() * n)

    # -- identities -----------------------------------------------------------------------
    def id_number(self, province: str, gender: str, year: int) -> str:
        digit = (year // 100 - 19) * 2 + (1 if gender == FEMALE else 0)
        while True:
            candidate = f"0{province}{digit}{year % 100:02d}{self.below(10**6):06d}"
            if candidate not in self.ids:
                self.ids.add(candidate)
                return candidate

    def legacy_id(self, province: str, year: int) -> str | None:
        # CMND cards were issued from age 14 until 2021; a third of those kept the number
        if year > 2006 or self._random() > 0.35:
            return None
        while True:
            candidate = f"{int(province):02d}{self.below(10**7):07d}"
            if candidate not in self.legacy_ids:
                self.legacy_ids.add(candidate)
                return candidate

    # -- places ---------------------------------------------------------------------------
    def province(self) -> str:
        return _PROVINCES[bisect.bisect(_PROVINCE_CUMULATIVE, self._random() * _PROVINCE_CUMULATIVE[-1])]

    def address(self, province: str, *, registry_office: bool = False) -> Address:
        name, districts = geography.UNITS[province]
        district, district_name, wards = self.pick(districts)
        ward, ward_name = self.pick(wards)
        if registry_office:
            detail = f"UBND {ward_name}, {district_name}, {name}"
        else:
            detail = f"Số {self.between(1, 250)} {self.pick(geography.STREETS)}"
        return Address(province, district, ward, detail)

    # -- people ---------------------------------------------------------------------------
    def family_name(self) -> str:
        return names.FAMILY_NAMES[bisect.bisect(_FAMILY_CUMULATIVE, self._random() * _FAMILY_CUMULATIVE[-1])]

    def name(self, gender: str, family: str) -> tuple[str, str, str]:
        if gender == MALE:
            return family, self.pick(names.MIDDLE_MALE), self.pick(names.GIVEN_MALE)
        return family, self.pick(names.MIDDLE_FEMALE), self.pick(names.GIVEN_FEMALE)

    def outsider(self, gender: str, family: str | None = None) -> Relative:
        """A parent who is not in the database (older generation): name only, maybe a CMND."""
        full = " ".join(self.name(gender, family or self.family_name()))
        legacy = f"{10**8 + self.below(9 * 10**8)}" if self._random() < 0.3 else None
        return Relative(full, None, legacy)

    def person(
        self, *, gender: str, year: int, family: str, household: _Household, relation: str,
        father: Relative | None, mother: Relative | None, hometown: Address, marital: str,
    ) -> Citizen:
        family, middle, given = self.name(gender, family)
        born_in = household.province if year >= 1990 and self._random() < 0.7 else self.province()
        birth_date = None
        if self._random() > 0.08:  # some are known by birth year only
            birth_date = f"{year}{self.between(1, 12):02d}{self.between(1, 28):02d}"
        id_number = self.id_number(born_in, gender, year)
        legacy_id = self.legacy_id(born_in, year)
        full_name = f"{family} {middle} {given}"
        if relation == HEAD:
            head = HouseholdHead(HEAD, id_number, legacy_id, full_name)
        else:
            h = household.head
            head = HouseholdHead(relation, h.id_number, h.legacy_id, h.full_name)
        minor = REFERENCE_YEAR - year < 18
        return Citizen(
            id_number=id_number,
            legacy_id=legacy_id,
            family=family, middle=middle, given=given,
            birth_year=year, birth_date=birth_date, gender=gender,
            ethnicity="01" if self._random() < 0.86 else f"{self.between(2, 20):02d}",
            religion="00" if self._random() < 0.8 else f"{self.between(1, 6):02d}",
            nationality="VN",
            marital=marital,
            blood=self.pick(("O", "O", "A", "B", "AB")),
            birth_place=self.address(born_in, registry_office=True),
            hometown=hometown,
            permanent=household.permanent,
            current=household.permanent if self._random() < 0.8 else self.address(self.province()),
            father=father, mother=mother, spouse=None,
            representative=(father or mother) if minor else None,
            head=head,
            household_book=household.book,
        )

    def household(self) -> list[Citizen]:
        self.books += 1
        province = self.province()
        household = _Household(province, self.address(province), f"{int(province):02d}{self.books:07d}")
        head_gender = MALE if self._random() < 0.8 else FEMALE
        head_year = REFERENCE_YEAR - self.between(28, 75)
        head_family = self.family_name()
        married = self._random() < 0.75
        head = self.person(
            gender=head_gender, year=head_year, family=head_family, household=household,
            relation=HEAD, father=self.outsider(MALE, head_family), mother=self.outsider(FEMALE),
            hometown=self.address(self.province()),
            marital="2" if married else self.pick(("1", "1", "3", "4")),
        )
        household.head = head.head
        members = [head]
        spouse = None
        if married:
            spouse_gender = FEMALE if head_gender == MALE else MALE
            spouse_year = min(head_year + self.between(-3, 6), REFERENCE_YEAR - 20)
            spouse_family = self.family_name()
            spouse = self.person(
                gender=spouse_gender, year=spouse_year, family=spouse_family, household=household,
                relation=WIFE if spouse_gender == FEMALE else HUSBAND,
                father=self.outsider(MALE, spouse_family), mother=self.outsider(FEMALE),
                hometown=self.address(self.province()), marital="2",
            )
            spouse = replace(spouse, spouse=head.as_relative())
            members = [replace(head, spouse=spouse.as_relative()), spouse]
        husband, wife = (head, spouse) if head_gender == MALE else (spouse, head)
        youngest_parent = max(head_year, spouse.birth_year if spouse else head_year)
        for _ in range(self.between(0, 3) if married else self.between(0, 1)):
            earliest, latest = youngest_parent + 20, min(REFERENCE_YEAR, youngest_parent + 42)
            if earliest > latest:
                break
            year = self.between(earliest, latest)
            line = husband or head  # children take the father's family name and home town
            members.append(self.person(
                gender=self.pick((MALE, FEMALE)), year=year, family=line.family,
                household=household, relation=CHILD,
                father=husband.as_relative() if husband else None,
                mother=wife.as_relative() if wife else None,
                hometown=line.hometown,
                marital="1" if REFERENCE_YEAR - year < 25 or self._random() < 0.6 else "2",
            ))
        if self._random() < 0.1 and head_year - 30 >= REFERENCE_YEAR - 95:
            gender = self.pick((MALE, FEMALE))
            parent = self.person(
                gender=gender, year=head_year - self.between(22, 30),
                family=head.family if gender == MALE else self.family_name(),
                household=household, relation=FATHER if gender == MALE else MOTHER,
                father=self.outsider(MALE), mother=self.outsider(FEMALE),
                hometown=head.hometown, marital="4",
            )
            link = {"father": parent.as_relative()} if gender == MALE else {"mother": parent.as_relative()}
            members[0] = replace(members[0], **link)  # the head's parent lives with them
            members.append(parent)
        return members


@dataclass
class _Household:
    province: str
    permanent: Address
    book: str
    head: HouseholdHead = HouseholdHead(HEAD, "", None, "")
