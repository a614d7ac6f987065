"""Payment providers: who takes the money a subscription's period costs.

A provider is asked how the account pays a payment (``begin``: the instructions, or the URL of
its own payment page to send the account to), and tells nukiweb when a payment has arrived by
calling ``services.subscriptions.confirm_payment`` (from the route or the job where it learns
it: a notification from its service, a poll). Providers are registered by name; a payment keeps
the name of the provider it was asked of.

nukiweb ships ``manual``: the account is shown a reference to quote with its payment (bank
transfer, invoice, cash...), and the operator confirms the payment once it has arrived
(``nukiweb admin confirm-payment PAYMENT_ID``). Free plans need no provider: they are active at
checkout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from nukiweb.domain.errors import InvalidParameter
from nukiweb.domain.subscriptions import Payment, PaymentType, Plan, text_in


@dataclass(frozen=True, slots=True)
class PaymentInstructions:
    """What the checkout page shows the account for a pending payment."""

    reference: str
    """What the account quotes when it pays, and what the operator looks the payment up by."""
    message: str
    redirect_url: str | None = None
    """The provider's own payment page, if the account pays there (the page links to it)."""


class PaymentProvider(Protocol):
    @property
    def name(self) -> str:
        """The name payments keep (at most 32 characters)."""
        ...

    @property
    def payment_type(self) -> PaymentType:
        """What ``AccountSubscription.paymentType`` says of the subscriptions it is paid for."""
        ...

    def begin(self, payment: Payment, plan: Plan) -> PaymentInstructions:
        """How the account pays ``payment``. Called whenever the checkout page shows the payment
        (it must give the same answer for the same payment, e.g. reuse the session it opened at
        its service for ``payment.id``); outside any transaction, so it may call its service."""
        ...


class ManualPayment:
    """Paid outside nukiweb; the operator confirms it by its reference, the payment's id."""

    name = "manual"
    payment_type = PaymentType.ACCOUNT

    def begin(self, payment: Payment, plan: Plan) -> PaymentInstructions:
        return PaymentInstructions(
            reference=payment.id,
            message=(
                f"Please pay {payment.amount} for period {payment.period} of "
                f"“{text_in(plan.titles)}”, quoting the reference {payment.id}. The subscription "
                "is activated as soon as the operator has confirmed your payment."
            ),
        )


DEFAULT_PROVIDER = "manual"
_PROVIDERS: dict[str, PaymentProvider] = {ManualPayment.name: ManualPayment()}


def register(provider: PaymentProvider) -> None:
    """Makes ``provider`` available by its name (a provider of that name is replaced)."""
    _PROVIDERS[provider.name] = provider


def provider(name: str) -> PaymentProvider:
    found = _PROVIDERS.get(name)
    if found is None:
        raise InvalidParameter(
            "provider", name, f"Known providers: {', '.join(sorted(_PROVIDERS))}."
        )
    return found
