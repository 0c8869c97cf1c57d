"""Adapter for the national population database (CSDL quốc gia về dân cư), SOAP 1.1 contract
v1.0 (``contracts/population/``): ``TraCuuThongTinCongDan`` and ``XacThucThongTinCongDan``
through the exchange pipeline, with NDXP / WSO2 / VNPT auth profiles and WS-Security."""

from adapters.population.auth import NdxpDigestAuth, VnptLgspAuth, lgsp_access_token, ndxp_digest
from adapters.population.client import PopulationClient
from adapters.population.errors import ZEEP_ERRORS, map_zeep_error
from adapters.population.factory import AUTH_PROFILES, PopulationSettings, build_population_client
from adapters.population.mapping import CitizenQuery, citizen_from_wire, query_to_wire
from adapters.population.signing import SCHEME, SoapReplyChecker, WsseRequestSigner
from adapters.population.wire import LOOKUP, VERIFY, PopulationCodec

__all__ = [
    "AUTH_PROFILES",
    "LOOKUP",
    "SCHEME",
    "VERIFY",
    "ZEEP_ERRORS",
    "CitizenQuery",
    "NdxpDigestAuth",
    "PopulationClient",
    "PopulationCodec",
    "PopulationSettings",
    "SoapReplyChecker",
    "VnptLgspAuth",
    "WsseRequestSigner",
    "build_population_client",
    "citizen_from_wire",
    "lgsp_access_token",
    "map_zeep_error",
    "ndxp_digest",
    "query_to_wire",
]
