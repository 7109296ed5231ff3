"""Bot identity and updates: getMe, getUpdates and the webhook methods."""

from __future__ import annotations

import re

from tgemulator.errors import bad_request
from tgemulator.methods.core import (
    BotApi,
    allowed_updates,
    serves,
)
from tgemulator.state import (
    Json,
    WebhookConfig,
)

_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


@serves("getMe")
async def get_me(api: BotApi, params: Json) -> Json:
    """Return the bot's User object."""
    return {
        **api.world.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": True,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@serves("getUpdates")
async def get_updates(api: BotApi, params: Json) -> list[Json]:
    """Long-poll the update queue."""
    return await api.poll(params)


@serves("setWebhook")
async def set_webhook(api: BotApi, params: Json) -> bool:
    """Register a webhook URL; the delivery worker starts posting updates to it."""
    world = api.world
    url = params["url"]
    if not url:
        return await delete_webhook(api, params)
    if not re.match(r"https?://[^\s/]+", url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET_RE.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if params.get("allowed_updates") is not None:
        world.allowed_updates = allowed_updates(params["allowed_updates"])
    if params.get("drop_pending_updates"):
        world.updates.clear()
    world.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=params.get("max_connections") or 40,
        ip_address=params.get("ip_address"),
        version=world.webhook.version + 1,
    )
    world.notifier.notify()
    return True


@serves("deleteWebhook")
async def delete_webhook(api: BotApi, params: Json) -> bool:
    """Remove the webhook so getUpdates works again."""
    world = api.world
    if params.get("drop_pending_updates"):
        world.updates.clear()
    world.webhook = WebhookConfig(version=world.webhook.version + 1)
    world.notifier.notify()
    return True


@serves("getWebhookInfo")
async def get_webhook_info(api: BotApi, params: Json) -> Json:
    """Describe the webhook and how many updates wait for delivery."""
    world = api.world
    hook = world.webhook
    info: Json = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates),
    }
    if hook.url:
        info["max_connections"] = hook.max_connections
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if world.allowed_updates:
            info["allowed_updates"] = world.allowed_updates
        if hook.last_error_date:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info
