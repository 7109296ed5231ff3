"""Business content: policy, FAQ, flows and canned answers, loaded from YAML files."""

from bot.content.load_errors import ContentError
from bot.content.loader import Content, load_content
from bot.content.policy import Policy

__all__ = ["Content", "ContentError", "Policy", "load_content"]
