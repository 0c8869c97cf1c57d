"""The gateway error tree (defined in ``contracts.errors``; see the drawing there)."""

from contracts.errors import *  # noqa: F403 - re-export of the whole tree
