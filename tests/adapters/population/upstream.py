"""A scripted population upstream for unit tests (httpx.MockTransport): it checks our
signature like the real service would, remembers what it received, and answers a golden
reply, signed by the population database's key unless told otherwise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from lxml import etree

from contracts import population as contract
from security import wsse

Reply = Callable[[bytes], httpx.Response]


@dataclass
class ScriptedPopulation:
    peer_signer: wsse.Signer
    our_verifier: wsse.Verifier | None
    reply_name: str = "TraCuuThongTinCongDan.reply.xml"
    sign_reply: bool = True
    status: int = 200
    tamper: Callable[[bytes], bytes] | None = None
    received: list[httpx.Request] = field(default_factory=list)
    verified: list[bool] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        if self.our_verifier is not None:
            self.our_verifier.verify(request.content)  # raises if our signature is bad
            self.verified.append(True)
        body = contract.golden(self.reply_name)
        if self.sign_reply:
            body = self.peer_signer.sign(body)
        if self.tamper is not None:
            body = self.tamper(body)
        return httpx.Response(self.status, content=body, headers={"Content-Type": "text/xml; charset=utf-8"})

    def last_fields(self) -> dict[str, str]:
        """Local name → text of the request operation's children (and the birth date's)."""
        envelope = etree.fromstring(self.received[-1].content)
        operation = envelope.find(f"{{{contract.NS_SOAP11}}}Body")[0]
        fields = {}
        for element in operation.iter():
            if element is not operation and len(element) == 0:
                fields[etree.QName(element).localname] = element.text
        return fields
