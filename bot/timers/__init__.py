"""Deadline actions: what the bot does when a service promise falls due.

Importing this package registers every action with the sweeper (bot.jobs.DEADLINE_ACTIONS).
"""

from bot.timers import calendar, reply, tickets

__all__ = ["calendar", "reply", "tickets"]
