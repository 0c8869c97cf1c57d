"""The mock population database's wire endpoint (national-systems.md §2,
contracts/population/): SOAP 1.1 ``POST /population`` dispatched on the Body's root element
(``TraCuuThongTinCongDan``, ``XacThucThongTinCongDan``), plus the LGSP token endpoints.

Per request, like a strict server: auth profile → hardened parse → WS-Security signature
(trusting the gateway's certificates) → XSD validation → answer from the seeded population →
reply signed with the mock's own key. Refusals are SOAP 1.1 Faults (HTTP 500), auth refusals
HTTP 401. Shares nothing with ``adapters/``.
"""

from __future__ import annotations

import copy

from lxml import etree

import contracts.population as contract
from contracts.errors import ContractViolation, GatewayError, ReplayDetected, SecurityError, SignatureInvalid
from mocks._core import Fault, FaultRegistry, JournalEntry, MockConfig, MockReply, MockRequest
from mocks.population import soap
from mocks.population.auth import TOKEN_PATH, VNPT_TOKEN_PATH, AuthRefused, PopulationAuth, refusal
from mocks.population.keys import MockKeys
from mocks.population.seed import Citizen, Population, normalize_name
from mocks.population.state import PopulationState
from security import wsse

XML = "text/xml; charset=utf-8"
DEFAULT_FAULT = ("soapenv:Server", "Hệ thống đang bảo trì, vui lòng thử lại sau")
SOAP_ONLY_MODES = ("soap_fault", "hostile_xml")
HOSTILE_REPLIES = ("reply.xml-bomb.xml", "reply.external-entity.xml")
_OPERATION_MARKERS = (
    (contract.VERIFY.encode(), contract.VERIFY),
    (contract.LOOKUP.encode(), contract.LOOKUP),
)


class SoapFaultReply(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class PopulationWire:
    """Implements ``mocks._core.WireHandler`` for the population database."""

    def __init__(
        self, state: PopulationState, config: MockConfig, auth: PopulationAuth, keys: MockKeys, faults: FaultRegistry
    ) -> None:
        self.state, self.config, self.auth, self.keys, self.faults = state, config, auth, keys, faults
        self._schema = contract.schema()
        # Unsigned lookup replies by citizen id, built once: a reply is copied (in C) and
        # signed per request instead of being rebuilt element by element (~0.3 ms).
        self._lookup_replies: dict[str | None, etree._Element] = {}

    def operation(self, request: MockRequest) -> str | None:
        if request.path in (TOKEN_PATH, VNPT_TOKEN_PATH):
            return "token"
        for marker, name in _OPERATION_MARKERS:  # cheap: the journal and fault matching
            if marker in request.body:
                return name
        return None

    async def handle(self, request: MockRequest, entry: JournalEntry, fault: Fault | None) -> MockReply:
        if request.method != "POST":
            return MockReply.text("Method not allowed: SOAP is POST", 405)
        if request.path in (TOKEN_PATH, VNPT_TOKEN_PATH):
            if fault is not None and fault.mode in SOAP_ONLY_MODES:
                self.faults.give_back(fault)  # meant for a SOAP call, not for the token call
                entry.fault = None
            try:
                reply = self.auth.issue_token(request)
            except AuthRefused as exc:
                entry.auth_ok = False
                entry.errors.append(f"auth: {exc}")
                return refusal(str(exc))
            entry.auth_ok = True
            return reply
        try:
            self.auth.check(request, _service_url(request, entry))
        except AuthRefused as exc:
            entry.auth_ok = False
            entry.errors.append(f"auth: {exc}")
            return refusal(str(exc))
        entry.auth_ok = None if self.auth.settings.auth_profile == "none" else True
        if fault is not None and fault.mode in SOAP_ONLY_MODES:
            return self._injected(fault)
        try:
            payload = self._payload(request, entry)
            reply = self._answer(payload, entry)
        except SoapFaultReply as exc:
            entry.errors.append(exc.message)
            return MockReply(500, soap.fault(exc.code, exc.message), XML)
        return MockReply(200, self._sign(reply, fault), XML)

    def _injected(self, fault: Fault) -> MockReply:
        """``soap_fault``: a SOAP 1.1 Fault (HTTP ``status``, default 500, as SOAP 1.1 says);
        ``hostile_xml``: the contract's XML bomb (odd applications) or external entity (even
        ones), HTTP ``status`` default 200, as if the database or a proxy had been subverted."""
        if fault.mode == "soap_fault":
            code = fault.faultcode or DEFAULT_FAULT[0]
            return MockReply(fault.status or 500, soap.fault(code, fault.faultstring or DEFAULT_FAULT[1]), XML)
        name = HOSTILE_REPLIES[(fault.applied - 1) % len(HOSTILE_REPLIES)]
        return MockReply(fault.status or 200, contract.golden(name), XML)

    # -- steps -----------------------------------------------------------------------------
    def _payload(self, request: MockRequest, entry: JournalEntry) -> etree._Element:
        """The verified Body's one child element, schema-checked."""
        try:
            envelope = wsse.parse_envelope(request.body)
        except SecurityError as exc:
            entry.valid = False
            raise SoapFaultReply("soapenv:Client", exc.detail) from exc
        except ContractViolation as exc:
            entry.valid = False
            raise SoapFaultReply("soapenv:Client", exc.detail) from exc
        body = self._verified_body(envelope, entry)
        children = [child for child in body if isinstance(child.tag, str)]
        if len(children) != 1:
            entry.valid = False
            raise SoapFaultReply("soapenv:Client", f"Body must hold one element, not {len(children)}")
        payload = children[0]
        entry.operation = etree.QName(payload).localname
        if payload.tag not in (f"{{{contract.NS_REQUEST}}}{op}" for op in contract.OPERATIONS):
            entry.valid = False
            raise SoapFaultReply("soapenv:Client", f"unknown operation {payload.tag}")
        if not self._schema.validate(payload):
            entry.valid = False
            errors = [f"{e.line}: {e.message}" for e in self._schema.error_log]
            entry.errors.extend(errors)
            raise SoapFaultReply("soapenv:Client", "request does not satisfy the schema: " + errors[0])
        entry.valid = True
        return payload

    def _verified_body(self, envelope: etree._Element, entry: JournalEntry) -> etree._Element:
        for attempt in (1, 2):
            try:
                result = self.keys.verifier.verify_tree(envelope)
            except SignatureInvalid as exc:
                if attempt == 1 and exc.detail.startswith("certificate not trusted") and self.keys.reload_trust():
                    continue
                entry.signature_ok = False
                code = "wsse:InvalidSecurity" if "not signed" in exc.detail else "wsse:FailedCheck"
                raise SoapFaultReply(code, f"signature: {exc.detail}") from exc
            except ReplayDetected as exc:
                entry.signature_ok = False
                raise SoapFaultReply("wsse:MessageExpired", f"signature: {exc.detail}") from exc
            except GatewayError as exc:  # a Fault sent to us, a DOCTYPE, no Body...
                entry.signature_ok = False
                raise SoapFaultReply("soapenv:Client", exc.detail) from exc
            entry.signature_ok = True if result.verified else None
            return result.body
        raise AssertionError("unreachable")

    def _answer(self, payload: etree._Element, entry: JournalEntry) -> etree._Element:
        found = _match(self.state.population, payload)
        if entry.operation == contract.LOOKUP:
            self.state.lookups += 1
            key = found.id_number if found else None
            template = self._lookup_replies.get(key)
            if template is None:
                template = self._lookup_replies[key] = soap.lookup_reply([found] if found else [])
            return copy.deepcopy(template)
        self.state.verifications += 1
        return soap.verify_reply(found is not None)

    def _sign(self, reply: etree._Element, fault: Fault | None) -> bytes:
        """The reply signed with the mock's key; ``bad_signature`` alternates between a
        foreign key (odd applications) and tampering after signing (even ones)."""
        if not self.keys.settings.sign_replies:
            return soap.serialize(reply)
        if fault is not None and fault.mode == "bad_signature":
            if fault.applied % 2 == 1:
                return soap.serialize(self.keys.impostor.sign_tree(reply))
            self.keys.signer.sign_tree(reply)
            _tamper(reply)
            return soap.serialize(reply)
        return soap.serialize(self.keys.signer.sign_tree(reply))


def _text(payload: etree._Element, name: str) -> str | None:
    return payload.findtext(f"{{{contract.NS_REQUEST}}}{name}")


def _match(population: Population, payload: etree._Element) -> Citizen | None:
    """The citizen the request names, if the optional name and birth date agree."""
    citizen = population.find(id_number=_text(payload, "SoDinhDanh"), legacy_id=_text(payload, "SoCMND"))
    if citizen is None:
        return None
    name = _text(payload, "HoVaTen")
    if name is not None and normalize_name(name) != normalize_name(citizen.full_name):
        return None
    full_date = _text(payload, "NgayThangNamSinh/{%s}NgayThangNam" % contract.NS_REQUEST)
    year = _text(payload, "NgayThangNamSinh/{%s}Nam" % contract.NS_REQUEST)
    if full_date is not None:
        # a citizen known by year only matches any date of that year
        if citizen.birth_date is not None and full_date != citizen.birth_date:
            return None
        year = full_date[:4]
    if year is not None and int(year) != citizen.birth_year:
        return None
    return citizen


def _tamper(envelope: etree._Element) -> None:
    body = envelope.find(f"{{{contract.NS_SOAP11}}}Body")
    for element in body.iter():
        text = element.text
        if isinstance(element.tag, str) and text and text.strip():
            if text in ("true", "false"):
                element.text = "false" if text == "true" else "true"
            else:
                element.text = text[:-1] + ("1" if text[-1] != "1" else "2")
            return


def _service_url(request: MockRequest, entry: JournalEntry) -> str:
    """The URL the client called, for the NDXP digest when no auth URL is configured."""
    scheme = request.headers.get("x-forwarded-proto", "http")
    return f"{scheme}://{request.headers.get('host', '')}{entry.path}"
