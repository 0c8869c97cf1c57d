"""The mock DVCQG payment platform (protocol 1.0.6), wire format only.

Mounted by ``mocks.app.create_mocks_app`` at ``/payment`` (wire and hosted payment page) and
``/__admin/payment`` (completions that send callbacks to the gateway). See docs/mocks.md.
"""

from __future__ import annotations

from mocks._core import MockContext, MockSystem, wire_app
from mocks.payment.admin import create_payment_admin
from mocks.payment.callbacks import CallbackSender
from mocks.payment.service import PaymentWire
from mocks.payment.settings import PaymentMockSettings
from mocks.payment.state import PaymentPlatformState

NAME = "payment"


def create_system(ctx: MockContext) -> MockSystem:
    settings = PaymentMockSettings.from_config(ctx.config)
    state = PaymentPlatformState()
    sender = CallbackSender(state, ctx.config, settings, ctx.faults)
    return MockSystem(
        name=NAME,
        app=wire_app(ctx, NAME, PaymentWire(state, ctx.config, settings, sender)),
        reset=state.reset,
        admin_app=create_payment_admin(state, sender),
        aclose=sender.aclose,
    )


__all__ = ["NAME", "PaymentMockSettings", "PaymentPlatformState", "create_system"]
