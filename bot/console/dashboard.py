"""The figures page's charts and tables, built from bot.services.figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from markupsafe import Markup

from bot.console import params
from bot.console.charts import Series, Unit, bar_chart, duration_unit, hbar_chart
from bot.console.formatting import Reasons, duration, percent
from bot.services.figures import Figures, Period, last_days, local_today, week_period
from bot.telegram.dates import span

MAX_DAYS = 366


Text = Callable[..., str]


@dataclass(frozen=True)
class Chart:
    """A chart with the numbers it shows, side by side on the page."""

    title: str
    svg: Markup
    numbers: list[tuple[str, str]]
    wide: bool = False  # a per-day chart, which needs the page's full width


def choose_period(first: str | None, last: str | None, now: datetime, tz: ZoneInfo) -> Period:
    """Read the period from the query (default: the last 7 days); raise BadParameter if bad."""
    today = local_today(now, tz)
    end = params.day(last, "to") if last else today
    start = params.day(first, "from") if first else end - timedelta(days=6)
    if end < start:
        raise params.BadParameter("to", "console-bad-order")
    if (end - start).days >= MAX_DAYS:
        raise params.BadParameter("from", "console-bad-period", days=MAX_DAYS)
    return Period(start, end, tz)


def presets(now: datetime, tz: ZoneInfo, _: Text) -> list[tuple[str, Period]]:
    """The quick choices above the figures."""
    today = local_today(now, tz)
    return [
        (_("console-preset-today"), Period(today, today, tz)),
        (_("console-preset-week"), week_period(today, tz)),
        (_("console-preset-days", days=7), last_days(today, 7, tz)),
        (_("console-preset-days", days=30), last_days(today, 30, tz)),
        (_("console-preset-days", days=90), last_days(today, 90, tz)),
    ]


def _label(day: date, count: int, lang: str) -> str:
    return format_date(day, "d MMM" if count <= 31 else "dd.MM", locale=lang)


def _in_unit(values: list[float | None], unit: Unit) -> list[float | None]:
    return [v / unit.seconds if v is not None else None for v in values]


def _unit_number(value: float) -> str:
    if float(value).is_integer() or value >= 10:
        return f"{value:.0f}"
    # Under one unit, two significant digits: 3 seconds in minutes is 0.05, not 0.0.
    return f"{value:.2g}" if value < 1 else f"{value:.1f}"


def charts(
    figures: Figures,
    _: Text,
    lang: str,
    *,
    reply_sla_seconds: int,
    callback_deadline: time,
) -> list[Chart]:
    """Draw the period's charts, each with its totals, in the manager's language."""
    days = figures.period.days()
    per_day = [figures.by_day[d] for d in days]
    labels = [_label(d, len(days), lang) for d in days]
    total = figures.total
    reply_sla = span(reply_sla_seconds, lang)
    deadline = callback_deadline.strftime("%H:%M")
    first = [f.first_response.median for f in per_day]
    first_unit = duration_unit(first, floor=reply_sla_seconds)
    resolution = [f.resolution.median for f in per_day]
    resolution_unit = duration_unit(resolution)
    reasons = Reasons(_)
    return [
        Chart(
            _("console-chart-first-response", unit=_(f"console-unit-{first_unit.name}")),
            bar_chart(
                _("console-chart-first-response-short"),
                labels,
                [Series(_("console-median"), _in_unit(first, first_unit))],
                target=reply_sla_seconds / first_unit.seconds,
                fmt=_unit_number,
            ),
            [
                (_("console-median-cap"), duration(total.first_response.median, _)),
                (_("console-p90"), duration(total.first_response.p90, _)),
                (_("console-answered"), str(total.first_response.count)),
            ],
            wide=True,
        ),
        Chart(
            _("console-chart-promises"),
            bar_chart(
                _("console-chart-promises"),
                labels,
                [
                    Series(
                        _("console-series-replies", reply_sla=reply_sla),
                        [f.reply_compliance.percent for f in per_day],
                        "s1",
                    ),
                    Series(
                        _("console-series-callbacks", deadline=deadline),
                        [f.callback_compliance.percent for f in per_day],
                        "s2",
                    ),
                ],
                top=100,
                fmt=lambda v: f"{v:.0f}",
            ),
            [
                (
                    _("console-reply-compliance", reply_sla=reply_sla),
                    f"{percent(total.reply_compliance.percent)} "
                    f"({total.reply_compliance.kept}/{total.reply_compliance.total})",
                ),
                (
                    _("console-callback-compliance"),
                    f"{percent(total.callback_compliance.percent)} "
                    f"({total.callback_compliance.kept}/{total.callback_compliance.total})",
                ),
            ],
            wide=True,
        ),
        Chart(
            _("console-chart-faq"),
            bar_chart(
                _("console-chart-faq"),
                labels,
                [
                    Series(_("console-faq-answers"), [f.faq_answered for f in per_day], "s1"),
                    Series(_("console-handoffs"), [f.handoff_total for f in per_day], "s3"),
                ],
                whole=True,
            ),
            [
                (_("console-faq-answers"), str(total.faq_answered)),
                (_("console-faq-helpful"), str(total.faq_helpful)),
                (_("console-faq-unhelpful"), str(total.faq_unhelpful)),
                (_("console-handoffs-total"), str(total.handoff_total)),
                (_("console-opened"), str(total.conversations_opened)),
            ],
            wide=True,
        ),
        Chart(
            _("console-chart-complaints"),
            bar_chart(
                _("console-chart-complaints"),
                labels,
                [
                    Series(
                        _("console-complaints-opened"),
                        [f.complaints_opened for f in per_day],
                        "s3",
                    ),
                    Series(
                        _("console-complaints-resolved"),
                        [f.complaints_resolved for f in per_day],
                        "s2",
                    ),
                ],
                whole=True,
            ),
            [
                (_("console-complaints-opened-cap"), str(total.complaints_opened)),
                (_("console-complaints-resolved-cap"), str(total.complaints_resolved)),
                (_("console-follow-ups"), str(total.follow_ups_sent)),
                (_("console-follow-ups-ok"), str(total.follow_ups_ok)),
                (_("console-follow-ups-problem"), str(total.follow_ups_problem)),
            ],
            wide=True,
        ),
        Chart(
            _("console-chart-resolution", unit=_(f"console-unit-{resolution_unit.name}")),
            bar_chart(
                _("console-chart-resolution-short"),
                labels,
                [Series(_("console-median"), _in_unit(resolution, resolution_unit), "s2")],
                fmt=_unit_number,
            ),
            [
                (_("console-median-cap"), duration(total.resolution.median, _)),
                (_("console-p90"), duration(total.resolution.p90, _)),
                (_("console-complaints-resolved-cap"), str(total.resolution.count)),
            ],
            wide=True,
        ),
        Chart(
            _("console-chart-satisfaction"),
            hbar_chart(
                _("console-chart-satisfaction"),
                [(f"{'★' * s}", float(total.ratings.get(s, 0))) for s in range(5, 0, -1)],
                css="s4",
                empty=_("console-no-data"),
            ),
            [
                (
                    _("console-rating-average"),
                    f"{total.rating_average:.2f} / 5" if total.rating_average is not None else "—",
                ),
                (_("console-ratings"), str(total.rating_count)),
            ],
        ),
        Chart(
            _("console-chart-escalations"),
            hbar_chart(
                _("console-chart-escalations"),
                [
                    (reasons.escalation(reason, reply_sla), float(count))
                    for reason, count in total.escalations.most_common()
                ],
                css="s3",
                empty=_("console-no-data"),
            ),
            [(_("console-escalations"), str(total.escalation_total))],
        ),
        Chart(
            _("console-chart-handoffs"),
            hbar_chart(
                _("console-chart-handoffs"),
                [
                    (reasons.handoff(reason), float(count))
                    for reason, count in total.handoffs.most_common()
                ],
                css="s1",
                empty=_("console-no-data"),
            ),
            [(_("console-handoffs"), str(total.handoff_total))],
        ),
    ]
