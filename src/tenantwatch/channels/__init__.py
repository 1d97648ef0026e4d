"""Notification channels: one sender module per channel type, registered in SENDERS at import.

`from tenantwatch.channels import deliver, Notification` is all the engine needs.
"""

from tenantwatch.channels import discord, mail, pagerduty, slack, webhook  # noqa: F401  (registers senders)
from tenantwatch.channels.base import SENDERS, Notification, SendResult, register
from tenantwatch.channels.delivery import deliver

__all__ = ["SENDERS", "Notification", "SendResult", "deliver", "register"]
