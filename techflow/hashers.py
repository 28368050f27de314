"""A cheap password hasher for the demo's well-known passwords, offered only when DEBUG is on.

Six demo logins at PBKDF2's production cost (over a million iterations each) were most of the demo's
load time. settings.py appends DemoPasswordHasher to PASSWORD_HASHERS only when DEBUG is on, and
never first, so production settings keep Django's own list and nothing new is hashed with it unless
asked for by name. A demo password it hashed is re-hashed with the first hasher on its first login.
"""

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hashers_by_algorithm


class DemoPasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_demo"
    iterations = 1_000


def demo_hasher() -> str:
    """The hasher the demo sets its users' passwords with: the cheap one when settings offer it
    (DEBUG on), otherwise the default."""
    if DemoPasswordHasher.algorithm in get_hashers_by_algorithm():
        return DemoPasswordHasher.algorithm
    return "default"
