"""Figures written for managers in their language."""

from __future__ import annotations

from bot.i18n import L10n
from bot.services.figures import FigureSet, Rate


def duration(l10n: L10n, seconds: float | None) -> str:
    """Write a duration in the largest unit that keeps it readable."""
    if seconds is None:
        return l10n("manager-stats-none")
    for limit, unit, size in (
        (90, "seconds", 1),
        (90 * 60, "minutes", 60),
        (48 * 3600, "hours", 3600),
    ):
        if seconds < limit:
            value = seconds / size
            return l10n(
                f"manager-unit-{unit}", value=f"{value:.0f}" if size == 1 else f"{value:.1f}"
            )
    return l10n("manager-unit-days", value=f"{seconds / 86400:.1f}")


def rate(l10n: L10n, value: Rate) -> str:
    """Write a compliance rate with what it counts."""
    if value.percent is None:
        return l10n("manager-stats-none")
    return l10n(
        "manager-stats-rate", percent=f"{value.percent:.0f}", kept=value.kept, total=value.total
    )


def stats_text(l10n: L10n, title: str, figures: FigureSet) -> str:
    """Write one period's figures as a short message."""
    average = figures.rating_average
    return l10n(
        "manager-stats",
        title=title,
        opened=figures.conversations_opened,
        faq=figures.faq_answered,
        handoffs=figures.handoff_total,
        frt_median=duration(l10n, figures.first_response.median),
        frt_p90=duration(l10n, figures.first_response.p90),
        reply=rate(l10n, figures.reply_compliance),
        callback=rate(l10n, figures.callback_compliance),
        resolution=duration(l10n, figures.resolution.median),
        complaints_opened=figures.complaints_opened,
        complaints_resolved=figures.complaints_resolved,
        follow_ups=figures.follow_ups_sent,
        follow_ups_problem=figures.follow_ups_problem,
        csat=f"{average:.2f}" if average is not None else l10n("manager-stats-none"),
        ratings=figures.rating_count,
        escalations=figures.escalation_total,
    )
