"""The Lua scripts behind fleet mode; each runs atomically inside Redis, on Redis's clock.

Keys of one account share the hash tag `{<account>}`, so a script's keys sit in one cluster slot:

    <p>:procs          sorted set: process id -> lease expiry (ms, Redis clock)
    <p>:m:<model>      hash: "c:<proc>" -> slots that process holds, "w:<proc>" -> calls it has queued,
                       "s:<proc>" -> sequence number of the process's last absolute write
    <p>:w:<model>      hash: "base", "at" -> the shared window after the last 429 (absent: the limit)

A process is alive while its lease is in the future. Counts of dead processes are ignored and
deleted by the next script that meets them, so a crashed holder's slots return within one lease.
Counts are absolute (the admission script and the heartbeat write the process's own number), so
a lost or late decrement is healed by the next write. Each absolute write carries the process's
sequence number and is ignored when a later one already landed (two of its calls can arrive out
of order on two connections); the writer includes its unacknowledged decrements in the count, so
a decrement landing after the write leaves the count exact and one landing before it an over-count
until the next write - never an under-count. The shared window is halved by a "Rate
limited" 429 anywhere in the fleet (at most once per interval) and grows back linearly with time,
so recovering needs no write per success.
"""

from __future__ import annotations

# Shared helpers, prepended to each script. `now_ms` is Redis's clock (TIME), never the caller's.
_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- The shared window: the limit, or what the last 429 left plus linear recovery since then.
local function window(key, limit, rate)
  local row = redis.call('HMGET', key, 'base', 'at')
  if not row[1] then return limit end
  local w = tonumber(row[1]) + rate * (now - tonumber(row[2])) / 1000
  if w >= limit then return limit end
  return math.max(1, math.floor(w))
end

-- Live slots held and live queued processes other than `me`; dead processes' rows are deleted.
local function others(procs, key, me)
  local held, queued = 0, 0
  local rows = redis.call('HGETALL', key)
  for i = 1, #rows, 2 do
    local field, value = rows[i], tonumber(rows[i + 1]) or 0
    local proc = string.sub(field, 3)
    if proc ~= me then
      if redis.call('ZSCORE', procs, proc) then
        local kind = string.sub(field, 1, 1)
        if kind == 'c' then
          held = held + math.max(0, value)
        elseif kind == 'w' and value > 0 then
          queued = queued + 1
        end
      else
        redis.call('HDEL', key, field)
      end
    end
  end
  return held, queued
end

-- Write `me`'s absolute count unless a write with a later sequence number already landed.
local function restate(key, me, seq, count, queued)
  local last = tonumber(redis.call('HGET', key, 's:' .. me))
  if last and last > seq then return end
  redis.call('HSET', key, 'c:' .. me, count, 'w:' .. me, queued, 's:' .. me, seq)
end
"""

# KEYS: procs, model hash, window hash. ARGV: me, mine (slots held now), want, limit, lease_ms, rate, seq.
# Grants up to `want` slots while the fleet total stays within the window; while other processes
# are queued too, no process grows past its fair share (window / queued processes, rounded up).
# Returns {granted, fleet total after, processes alive, window, fair share}.
ADMIT = (
    _PRELUDE
    + """
local procs, key, wkey = KEYS[1], KEYS[2], KEYS[3]
local me, mine, want = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local limit, lease, rate, seq = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
redis.call('ZREMRANGEBYSCORE', procs, '-inf', now)
redis.call('ZADD', procs, now + lease, me)
redis.call('PEXPIRE', procs, lease * 4)
local w = window(wkey, limit, rate)
local held, queued = others(procs, key, me)
local grant = math.max(0, math.min(want, w - held - mine))
local fair = w
if queued > 0 then
  fair = math.ceil(w / (queued + 1))
  grant = math.min(grant, math.max(0, fair - mine))
end
restate(key, me, seq, mine + grant, want - grant)
redis.call('PEXPIRE', key, lease * 4)
return {grant, held + mine + grant, redis.call('ZCARD', procs), w, fair}
"""
)

# KEYS: procs, then (model hash, window hash) per model. ARGV: me, lease_ms, limit, rate, seq,
# then (held, queued) per model. Renews the lease and restates every count absolutely.
# Returns {processes alive, then (window, fair share) per model}.
HEARTBEAT = (
    _PRELUDE
    + """
local procs, me = KEYS[1], ARGV[1]
local lease, limit, rate, seq = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', procs, '-inf', now)
redis.call('ZADD', procs, now + lease, me)
redis.call('PEXPIRE', procs, lease * 4)
local out = {redis.call('ZCARD', procs)}
for i = 2, #KEYS, 2 do
  local key, wkey = KEYS[i], KEYS[i + 1]
  local held, queued = tonumber(ARGV[4 + i]), tonumber(ARGV[5 + i])
  if held > 0 or queued > 0 then
    restate(key, me, seq, held, queued)
    redis.call('PEXPIRE', key, lease * 4)
  elseif (tonumber(redis.call('HGET', key, 's:' .. me)) or 0) <= seq then
    redis.call('HDEL', key, 'c:' .. me, 'w:' .. me, 's:' .. me)
  end
  local w = window(wkey, limit, rate)
  local _, others_queued = others(procs, key, me)
  local fair = w
  if others_queued > 0 then fair = math.ceil(w / (others_queued + 1)) end
  table.insert(out, w)
  table.insert(out, fair)
end
return out
"""
)

# KEYS: model hash. ARGV: me, n. A decrement that never goes below zero and never recreates a row
# the admission script or the heartbeat already deleted. Returns the count left.
RELEASE = """
local field = 'c:' .. ARGV[1]
local value = tonumber(redis.call('HGET', KEYS[1], field))
if not value then return 0 end
local left = math.max(0, value - tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], field, left)
return left
"""

# KEYS: window hash. ARGV: limit, rate (slots per second), interval_ms, floor. Halves the current
# window unless it was halved less than `interval_ms` ago. Returns {1 if halved, window now}.
SHRINK = (
    _PRELUDE
    + """
local key = KEYS[1]
local limit, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local interval, floor = tonumber(ARGV[3]), tonumber(ARGV[4])
local at = tonumber(redis.call('HGET', key, 'at'))
local w = window(key, limit, rate)
if at and now - at < interval then return {0, w} end
local base = math.max(floor, math.floor(w / 2))
redis.call('HSET', key, 'base', base, 'at', now)
redis.call('PEXPIRE', key, math.ceil((limit - base) / rate * 1000) + 1000)
return {1, base}
"""
)
