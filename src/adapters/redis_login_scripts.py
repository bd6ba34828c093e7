"""The Redis hash's version, and the Lua scripts that change the hash atomically.

A version number alone can repeat: Redis restarted empty counts from 1 again, so a
host holding version 1 of one account would take a different account imported at
version 1 for the login it already has. Each import therefore draws a random
``generation`` id, kept by every refresh of that login; a host whose generation
differs from the stored one adopts the stored login. Within one generation the
number only grows, so a higher number is the newer login.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RedisVersion:
    """Which import (``generation``) and which write of it (``number``) a read of the hash saw."""

    generation: str
    number: int

    def precedes(self, other: RedisVersion) -> bool:
        """An older write of the same import: ``other`` holds a newer refresh token of the same login."""
        return self.generation == other.generation and self.number < other.number


ABSENT = RedisVersion("", 0)
"""The version of a key that holds nothing (and of a login held only in memory, never stored)."""


def new_generation() -> str:
    """A fresh id for one import: random, so it cannot repeat after Redis restarts (not a secret)."""
    return secrets.token_hex(8)


COMPARE_AND_SET = """
local stored = redis.call('HMGET', KEYS[1], 'version', 'generation')
if (stored[1] or '0') ~= ARGV[1] or (stored[2] or '') ~= (ARGV[4] or '') then
  return 0
end
redis.call('HSET', KEYS[1], 'document', ARGV[2], 'version', tostring(tonumber(ARGV[1]) + 1), 'updated_at', ARGV[3])
return tonumber(ARGV[1]) + 1
"""
"""Write ``document`` if the hash is still at version ``ARGV[1]`` of generation ``ARGV[4]``; the new
version, or 0 when someone wrote (or imported) first."""

SEED = """
if ARGV[3] ~= '1' and redis.call('HEXISTS', KEYS[1], 'document') == 1 then
  return 0
end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'document', ARGV[1], 'updated_at', ARGV[2], 'generation', ARGV[4])
return version
"""
"""Store an imported login as generation ``ARGV[4]``; unless told to replace (``ARGV[3] == '1'``),
only where none is stored."""

RESTORE = """
local stored = redis.call('HMGET', KEYS[1], 'version', 'generation')
if stored[1] and not ((stored[2] or '') == ARGV[3] and tonumber(stored[1]) < tonumber(ARGV[2])) then
  return 0
end
redis.call('HSET', KEYS[1], 'document', ARGV[1], 'version', ARGV[2], 'generation', ARGV[3], 'updated_at', ARGV[4])
return 1
"""
"""Put back a login a host holds, at its own version: where the key is empty (Redis restarted empty),
or holds an older write of the same generation. 1 when written, 0 when Redis holds another login."""

REMOVE = """
if redis.call('HEXISTS', KEYS[1], 'document') == 0 then
  return 0
end
redis.call('HDEL', KEYS[1], 'document')
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'updated_at', ARGV[1])
return 1
"""
"""Sign out: drop the document but keep a newer version of its generation, so no host that still holds
the login puts it back (``RESTORE`` only fills an empty key or an older write). 1 when one was removed."""
