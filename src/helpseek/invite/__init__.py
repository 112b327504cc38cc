"""The invitation: search-term filter -> help + survey interstitial with message variants -> counted clicks.

Public API below; see README.md. Imports store/problems only, never web or cli.
"""

from helpseek.invite.config import InviteConfig, Target, load_config
from helpseek.invite.counts import CountStore, open_counts
from helpseek.invite.invitation import Invitation, Reply, choose_variant, open_invitation
from helpseek.invite.match import QueryTooLongError, Term, TermList, TermMatcher, load_terms
from helpseek.invite.middleware import AsgiInviteMiddleware, InviteMiddleware
from helpseek.invite.normalise import joined, normalise

__all__ = [
    "AsgiInviteMiddleware",
    "CountStore",
    "Invitation",
    "InviteConfig",
    "InviteMiddleware",
    "QueryTooLongError",
    "Reply",
    "Target",
    "Term",
    "TermList",
    "TermMatcher",
    "choose_variant",
    "joined",
    "load_config",
    "load_terms",
    "normalise",
    "open_counts",
    "open_invitation",
]
