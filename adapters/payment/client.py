"""``PaymentClient``: the DVCQG payment platform, protocol 1.0.6 (national-systems.md §3).

INIT, QUERY and GET_BILL go through the exchange pipeline (Bearer token → ``MaXacThuc``
signer → send → reply checksum verifier → audit with ``upstream_ref`` = ``MaThamChieu``).
Callbacks come the other way: :meth:`PaymentClient.verify_callback` checks them and
:meth:`PaymentClient.callback_reply` answers them, both without I/O.

Retries: QUERY and GET_BILL are reads. INIT is retried too, but only because the retry
re-sends the *same* body: the platform is idempotent per ``MaThamChieu`` (contracts/payment
README), so a lost reply cannot create a second payment. A new INIT for the same payment
takes a new attempt number, hence a new ``MaThamChieu``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

import httpx

from adapters._exchange import CallContext, Clock, Exchange, Operation, OutboundRequest, SignatureInfo
from adapters.payment.mapping import (
    PaymentOrder,
    PaymentStatus,
    VerifiedCallback,
    callback_from_wire,
    init_fields,
    status_from_query,
)
from adapters.payment.wire import GET_BILL_PATH, INIT_PATH, PROTOCOL_VERSION, QUERY_PATH, check, to_date14, unwrap
from contracts.errors import ChecksumInvalid, ContractViolation, InvalidRequest, PaymentNotFound
from security.checksums import (
    SCHEME,
    ChecksumInputError,
    checksum_equal,
    maxacthuc_callback,
    maxacthuc_callback_reply,
    maxacthuc_init,
    maxacthuc_query,
    maxacthuc_query_reply,
)

_CHECKSUMS = {"INIT": maxacthuc_init, "QUERY": maxacthuc_query, "GET_BILL": maxacthuc_query}


class MaXacThucSigner:
    """Pipeline step 3 for this platform: adds ``MaXacThuc`` to the JSON body."""

    scheme = SCHEME
    key_id: str | None = None

    def __init__(self, secret: str) -> None:
        self._secret = secret

    async def sign(self, request: OutboundRequest) -> OutboundRequest:
        body = dict(request.json)
        body["MaXacThuc"] = _CHECKSUMS[body["LoaiBanTin"]](body, self._secret)
        return request.with_json(body)


class QueryReplyVerifier:
    """Pipeline step 5: a QUERY reply's ``MaXacThuc`` (our reconstruction) must match when
    present; ``verified`` is None when the reply carries none or is not a QUERY success."""

    scheme = SCHEME

    def __init__(self, secret: str) -> None:
        self._secret = secret

    async def verify(self, request_bytes: bytes, response: httpx.Response) -> SignatureInfo:
        try:
            sent = json.loads(request_bytes)
            envelope = response.json()
            inner = json.loads(envelope["message"]) if str(envelope.get("error_code")) == "0" else None
        except (ValueError, KeyError, TypeError, AttributeError):
            return SignatureInfo(self.scheme)  # the parser will say what is wrong
        if sent.get("LoaiBanTin") != "QUERY" or not isinstance(inner, dict) or "MaXacThuc" not in inner:
            return SignatureInfo(self.scheme)
        try:
            expected = maxacthuc_query_reply(inner, self._secret)
        except ChecksumInputError as exc:
            raise ChecksumInvalid("payment QUERY reply: MaXacThuc cannot be computed") from exc
        if not checksum_equal(inner["MaXacThuc"], expected):
            raise ChecksumInvalid("payment QUERY reply: MaXacThuc does not match")
        return SignatureInfo(self.scheme, verified=True)


class PaymentClient:
    """The national payment platform, as the gateway's payment services use it."""

    def __init__(
        self,
        *,
        exchange: Exchange,
        base_url: str,
        partner_code: str,
        secret: str,
        clock: Clock,
        dvc_code: str = "",
        dvc_name: str = "",
    ) -> None:
        self.exchange = exchange
        self.partner_code = partner_code
        self._base = base_url.rstrip("/")
        self._secret = secret
        self._clock = clock
        self._dvc_code = dvc_code
        self._dvc_name = dvc_name

    def _now(self) -> str:
        return to_date14(self._clock.now())

    async def init_payment(self, order: PaymentOrder, ctx: CallContext) -> str:
        """INIT one attempt of a payment; returns ``UrlThanhToan`` (where the citizen pays)."""
        try:
            body = init_fields(order, partner_code=self.partner_code, now=self._now(),
                               dvc_code=self._dvc_code, dvc_name=self._dvc_name)
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from exc
        reference = body["MaThamChieu"]
        operation = Operation("INIT", idempotency_key=reference, upstream_ref=reference)

        def parse(response: httpx.Response) -> str:
            url: str = unwrap(response, "INIT")["UrlThanhToan"]
            return url

        return await self.exchange.call(self._request(INIT_PATH, body), ctx, operation, parse)

    async def query(self, ma_tham_chieu: str, ctx: CallContext) -> PaymentStatus:
        """QUERY: ``paid|pending|failed`` (``TrangThaiGD`` 1/3/4), or ``unknown`` ("01")."""

        def parse(response: httpx.Response) -> PaymentStatus:
            try:
                inner = unwrap(response, "QUERY")
            except PaymentNotFound:  # "01": the platform never saw this MaThamChieu
                return PaymentStatus(ma_tham_chieu, "unknown")
            status = status_from_query(inner)
            if status.ma_tham_chieu != ma_tham_chieu:
                raise ContractViolation("payment QUERY: the reply is about another MaThamChieu")
            return status

        return await self._read("QUERY", QUERY_PATH, ma_tham_chieu, ctx, parse)

    async def get_bill(self, ma_tham_chieu: str, ctx: CallContext) -> bytes:
        """GET_BILL: the e-receipt of a paid attempt, as PDF bytes."""

        def parse(response: httpx.Response) -> bytes:
            inner = unwrap(response, "GET_BILL")
            try:
                pdf = base64.b64decode(inner["BienLai"], validate=True)
            except binascii.Error as exc:
                raise ContractViolation("payment GET_BILL: BienLai is not base64") from exc
            if not pdf.startswith(b"%PDF-"):
                raise ContractViolation("payment GET_BILL: BienLai is not a PDF")
            return pdf

        return await self._read("GET_BILL", GET_BILL_PATH, ma_tham_chieu, ctx, parse)

    async def _read(self, kind: str, path: str, ma_tham_chieu: str, ctx: CallContext, parse: Any) -> Any:
        body = {
            "LoaiBanTin": kind,
            "PhienBan": PROTOCOL_VERSION,
            "MaDoiTac": self.partner_code,
            "MaThamChieu": ma_tham_chieu,
            "ThoiGianGD": self._now(),
        }
        operation = Operation(kind, idempotent=True, upstream_ref=ma_tham_chieu)
        return await self.exchange.call(self._request(path, body), ctx, operation, parse)

    def _request(self, path: str, body: dict[str, Any]) -> OutboundRequest:
        return OutboundRequest("POST", self._base + path, json=body)

    # -- callbacks (platform → gateway) -------------------------------------------------

    def verify_callback(self, body: Mapping[str, Any]) -> VerifiedCallback:
        """Check a callback: its schema (ContractViolation), then ``MaXacThuc`` on the exact
        values received, in constant time (ChecksumInvalid)."""
        check("callback.request", body)
        try:
            expected = maxacthuc_callback(body, self._secret)
        except ChecksumInputError as exc:
            raise ChecksumInvalid(f"payment callback: {exc}") from exc
        if not checksum_equal(body["MaXacThuc"], expected):
            raise ChecksumInvalid("payment callback: MaXacThuc does not match")
        return callback_from_wire(body)

    def callback_reply(self, body: Mapping[str, Any] | None, code: str, message: str) -> dict[str, Any]:
        """Our answer to a callback, ``{MaLoi, MoTaLoi, MaDoiTac, MaThamChieu, ThoiGianGD,
        MaXacThuc}``; ``MaThamChieu`` echoes the callback's when readable, else ``""``."""
        reference = (body or {}).get("MaThamChieu")
        if not isinstance(reference, str) or "|" in reference or len(reference) > 100:
            reference = ""
        reply = {
            "MaLoi": code,
            "MoTaLoi": message,
            "MaDoiTac": self.partner_code,
            "MaThamChieu": reference,
            "ThoiGianGD": self._now(),
        }
        reply["MaXacThuc"] = maxacthuc_callback_reply(reply, self._secret)
        return reply


__all__ = ["MaXacThucSigner", "PaymentClient", "QueryReplyVerifier"]
