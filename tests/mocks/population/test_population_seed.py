"""The synthetic population: deterministic, fast, valid ids, Vietnamese names, households
and relatives, year-only births and legacy ids, every record valid against the contract."""

from __future__ import annotations

import time

import contracts.population as contract
from mocks.population import geography, soap
from mocks.population.seed import CHILD, FEMALE, HEAD, MALE, REFERENCE_YEAR, population


def test_seed_is_deterministic_and_seed_dependent():
    """The same seed gives the same citizens; another seed gives others."""
    a, b = population(0), population.__wrapped__(0, 3000)
    assert [c.id_number for c in a.citizens] == [c.id_number for c in b.citizens]
    other = population.__wrapped__(7, 3000)
    assert [c.id_number for c in other.citizens[1:50]] != [c.id_number for c in a.citizens[1:50]]


def test_generation_is_fast():
    """Generating 3,000 citizens takes well under half a second (best of three)."""
    best = min(_timed(seed) for seed in (11, 12, 13))
    assert best < 0.5, best


def _timed(seed: int) -> float:
    started = time.perf_counter()
    population.__wrapped__(seed, 3000)
    return time.perf_counter() - started


def test_every_id_is_valid_and_unique():
    """12 digits: 0 + a real province code, the gender/century digit, the birth year."""
    pop = population()
    assert len(pop.by_id) == len(pop.citizens) == 3000
    provinces = set(geography.PROVINCE_CODES)
    for c in pop.citizens:
        number = c.id_number
        assert len(number) == 12 and number.isdigit()
        assert number[0] == "0" and number[1:3] in provinces
        digit = int(number[3])
        assert digit % 2 == (1 if c.gender == FEMALE else 0)
        assert 1900 + (digit // 2) * 100 + int(number[4:6]) == c.birth_year
        assert c.birth_year <= REFERENCE_YEAR
        if c.birth_date:
            assert c.birth_date[:4] == str(c.birth_year)


def test_legacy_ids_and_year_only_births_exist():
    """Some citizens have a 9-digit SoCMND (indexed), some only a birth year."""
    pop = population()
    legacy = [c for c in pop.citizens if c.legacy_id]
    assert len(legacy) > 300 and all(len(c.legacy_id) == 9 and c.legacy_id.isdigit() for c in legacy)
    assert all(pop.by_legacy_id[c.legacy_id] is c for c in legacy)
    assert sum(1 for c in pop.citizens if c.birth_date is None) > 100


def test_names_have_vietnamese_diacritics():
    """Family names follow the Vietnamese distribution, with diacritics."""
    pop = population()
    families = {c.family for c in pop.citizens}
    assert {"NGUYỄN", "TRẦN", "LÊ", "PHẠM", "ĐẶNG", "ĐỖ"} <= families
    nguyen = sum(1 for c in pop.citizens if c.family == "NGUYỄN") / len(pop.citizens)
    assert 0.25 < nguyen < 0.5


def test_households_and_relatives_are_consistent():
    """Heads name themselves; members name their head; spouses and parents link back."""
    pop = population()
    heads = {c.id_number: c for c in pop.citizens if c.head.relation == HEAD}
    assert len(heads) > 500
    for c in pop.citizens[1:]:
        head = heads[c.head.id_number]
        assert c.household_book == head.household_book
        assert c.head.full_name == head.full_name
        if c.spouse and c.spouse.id_number:
            assert pop.by_id[c.spouse.id_number].spouse.id_number == c.id_number
        if c.head.relation == CHILD and c.father and c.father.id_number:
            father = pop.by_id[c.father.id_number]
            assert father.gender == MALE and father.family == c.family
            assert father.birth_year + 20 <= c.birth_year
        if REFERENCE_YEAR - c.birth_year < 18:
            assert c.representative is not None


def test_addresses_use_real_codes():
    """Every address's province and district are in the administrative table."""
    for c in population().citizens[1:]:
        for address in (c.birth_place, c.hometown, c.permanent, c.current):
            _name, districts = geography.UNITS[address.province]
            assert address.district in {d for d, _n, _w in districts}


def test_every_citizen_renders_valid_against_the_contract():
    """Each seeded citizen's CongDan satisfies dancu-1.0.xsd."""
    schema = contract.schema()
    for c in population().citizens:
        assert schema.validate(soap.lookup_reply([c])[0][0]), (c.id_number, schema.error_log)
