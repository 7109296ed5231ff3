"""The figures page's charts and tables, built from bot.services.figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup

from bot.console import params
from bot.console.charts import Series, bar_chart, hbar_chart
from bot.console.formatting import ESCALATION_REASONS, HANDOFF_REASONS, duration, percent
from bot.services.figures import Figures, Period, last_days, local_today, week_period

MAX_DAYS = 366
REPLY_TARGET_SECONDS = 180


@dataclass(frozen=True)
class Chart:
    """A chart with the numbers it shows, side by side on the page."""

    title: str
    svg: Markup
    numbers: list[tuple[str, str]]

    @property
    def wide(self) -> bool:
        """Tell whether this is a per-day chart that needs the page's full width."""
        return "per day" in self.title


def choose_period(first: str | None, last: str | None, now: datetime, tz: ZoneInfo) -> Period:
    """Read the period from the query (default: the last 7 days); raise ValueError if bad."""
    today = local_today(now, tz)
    end = params.day(last, "to") if last else today
    start = params.day(first, "from") if first else end - timedelta(days=6)
    if end < start:
        raise ValueError("the end date is before the start date")
    if (end - start).days >= MAX_DAYS:
        raise ValueError(f"choose at most {MAX_DAYS} days")
    return Period(start, end, tz)


def presets(now: datetime, tz: ZoneInfo) -> list[tuple[str, Period]]:
    """The quick choices above the figures."""
    today = local_today(now, tz)
    return [
        ("Today", Period(today, today, tz)),
        ("This week", week_period(today, tz)),
        ("Last 7 days", last_days(today, 7, tz)),
        ("Last 30 days", last_days(today, 30, tz)),
        ("Last 90 days", last_days(today, 90, tz)),
    ]


def _label(day: date, count: int) -> str:
    return day.strftime("%d %b") if count <= 31 else day.strftime("%d.%m")


def charts(figures: Figures) -> list[Chart]:
    """Draw the period's charts, each with its totals."""
    days = figures.period.days()
    per_day = [figures.by_day[d] for d in days]
    labels = [_label(d, len(days)) for d in days]
    total = figures.total
    minutes = [
        f.first_response.median / 60 if f.first_response.median is not None else None
        for f in per_day
    ]
    return [
        Chart(
            "First response, median per day (minutes)",
            bar_chart(
                "First response, median per day",
                labels,
                [Series("median", minutes)],
                target=REPLY_TARGET_SECONDS / 60,
                fmt=lambda v: f"{v:.1f}" if v < 10 else f"{v:.0f}",
            ),
            [
                ("Median", duration(total.first_response.median)),
                ("90th percentile", duration(total.first_response.p90)),
                ("Conversations answered", str(total.first_response.count)),
            ],
        ),
        Chart(
            "Promises kept per day (%)",
            bar_chart(
                "Promises kept per day",
                labels,
                [
                    Series("3-minute replies", [f.reply_compliance.percent for f in per_day], "s1"),
                    Series(
                        "callbacks by 11:00",
                        [f.callback_compliance.percent for f in per_day],
                        "s2",
                    ),
                ],
                top=100,
                fmt=lambda v: f"{v:.0f}",
            ),
            [
                (
                    "3-minute compliance",
                    f"{percent(total.reply_compliance.percent)} "
                    f"({total.reply_compliance.kept}/{total.reply_compliance.total})",
                ),
                (
                    "Callback compliance",
                    f"{percent(total.callback_compliance.percent)} "
                    f"({total.callback_compliance.kept}/{total.callback_compliance.total})",
                ),
            ],
        ),
        Chart(
            "FAQ answers and handoffs per day",
            bar_chart(
                "FAQ answers and handoffs per day",
                labels,
                [
                    Series("FAQ answers", [f.faq_answered for f in per_day], "s1"),
                    Series("handoffs", [f.handoff_total for f in per_day], "s3"),
                ],
            ),
            [
                ("FAQ answers", str(total.faq_answered)),
                ("…found helpful", str(total.faq_helpful)),
                ("…not helpful", str(total.faq_unhelpful)),
                ("Handoffs to a person", str(total.handoff_total)),
                ("Conversations opened", str(total.conversations_opened)),
            ],
        ),
        Chart(
            "Complaints opened and resolved per day",
            bar_chart(
                "Complaints opened and resolved per day",
                labels,
                [
                    Series("opened", [f.complaints_opened for f in per_day], "s3"),
                    Series("resolved", [f.complaints_resolved for f in per_day], "s2"),
                ],
            ),
            [
                ("Opened", str(total.complaints_opened)),
                ("Resolved", str(total.complaints_resolved)),
                ("Follow-ups sent", str(total.follow_ups_sent)),
                ("…all good", str(total.follow_ups_ok)),
                ("…still a problem", str(total.follow_ups_problem)),
            ],
        ),
        Chart(
            "Resolution time, median per day (hours)",
            bar_chart(
                "Resolution time, median per day",
                labels,
                [
                    Series(
                        "median",
                        [
                            f.resolution.median / 3600 if f.resolution.median is not None else None
                            for f in per_day
                        ],
                        "s2",
                    )
                ],
                fmt=lambda v: f"{v:.1f}",
            ),
            [
                ("Median", duration(total.resolution.median)),
                ("90th percentile", duration(total.resolution.p90)),
                ("Resolved", str(total.resolution.count)),
            ],
        ),
        Chart(
            "Satisfaction",
            hbar_chart(
                "Satisfaction ratings",
                [(f"{'★' * s}", float(total.ratings.get(s, 0))) for s in range(5, 0, -1)],
                css="s4",
            ),
            [
                (
                    "Average",
                    f"{total.rating_average:.2f} / 5" if total.rating_average is not None else "—",
                ),
                ("Ratings", str(total.rating_count)),
            ],
        ),
        Chart(
            "Escalations by reason",
            hbar_chart(
                "Escalations by reason",
                [
                    (ESCALATION_REASONS.get(reason, reason), float(count))
                    for reason, count in total.escalations.most_common()
                ],
                css="s3",
            ),
            [("Escalations", str(total.escalation_total))],
        ),
        Chart(
            "Handoffs by reason",
            hbar_chart(
                "Handoffs by reason",
                [
                    (HANDOFF_REASONS.get(reason, reason), float(count))
                    for reason, count in total.handoffs.most_common()
                ],
                css="s1",
            ),
            [("Handoffs", str(total.handoff_total))],
        ),
    ]
