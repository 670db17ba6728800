-- The chat broker's Redis scripts (see broker.rs). Each script is this prelude followed by
-- one body; ARGV[1] is always the key prefix. Every change to a room (a line, a join, a
-- leave) takes the next number of the room's sequence and is published in the same script,
-- so the stream, the members and the live events never disagree, on any server.
--
-- Keys, under the prefix:
--   servers          ZSET  server id -> the time (ms) it is taken for dead unless it refreshes
--   srv:<server>     SET   "room\nkey" of each member the server holds
--   rooms            SET   every room that exists
--   room:<room>      HASH  epoch (its first number), seq (the last one given), dropped (the
--                          id of the last line trimmed from the stream, 0 if none)
--   names:<room>     HASH  lower-cased name -> "server\nconnection\nname"
--   lines:<room>     STREAM the last lines, entry id "<line id>-0", field f = the frame
-- Channel <prefix>events: "room\nnumber\nframe" for every change.
local P = ARGV[1]

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function digits(n)
  return string.format('%.0f', n)
end

local function keys_of(room)
  return P .. 'room:' .. room, P .. 'names:' .. room, P .. 'lines:' .. room
end

-- The room's epoch, made (from the clock: milliseconds x 1000) the first time the room is
-- seen, so after Redis loses its data a room's numbers start above every old one.
local function epoch_of(rk)
  local epoch = redis.call('HGET', rk, 'epoch')
  if not epoch then
    epoch = digits(now_ms() * 1000)
    redis.call('HSET', rk, 'epoch', epoch, 'seq', epoch, 'dropped', '0')
  end
  return epoch
end

local function publish(room, number, frame)
  redis.call('PUBLISH', P .. 'events', room .. '\n' .. number .. '\n' .. frame)
end

-- The third field of a member entry: its display name.
local function name_of(entry)
  local a = string.find(entry, '\n', 1, true)
  local b = string.find(entry, '\n', a + 1, true)
  return string.sub(entry, b + 1)
end

local function leave(room, key, name)
  local rk, nk = keys_of(room)
  redis.call('HDEL', nk, key)
  local number = digits(redis.call('HINCRBY', rk, 'seq', 1))
  publish(room, number, '{"type":"leave","username":' .. cjson.encode(name) .. ',"room":"' .. room .. '"}')
end

-- Takes every member of a server out of its rooms, announcing each leave once.
local function reap(server)
  local sk = P .. 'srv:' .. server
  for _, member in ipairs(redis.call('SMEMBERS', sk)) do
    local i = string.find(member, '\n', 1, true)
    local room, key = string.sub(member, 1, i - 1), string.sub(member, i + 1)
    local _, nk = keys_of(room)
    local entry = redis.call('HGET', nk, key)
    if entry and string.sub(entry, 1, #server + 1) == server .. '\n' then
      leave(room, key, name_of(entry))
    end
  end
  redis.call('DEL', sk)
  redis.call('ZREM', P .. 'servers', server)
end
--@@ alive
-- ARGV: prefix, server, ttl (ms), fresh ("1": the server's old members are stale, reap them).
-- Refreshes the server and reaps the servers whose time ran out. Returns how many it reaped.
local server, ttl, fresh = ARGV[2], tonumber(ARGV[3]), ARGV[4]
local now = now_ms()
if fresh == '1' then
  reap(server)
end
local dead = redis.call('ZRANGEBYSCORE', P .. 'servers', '-inf', now)
local reaped = 0
for _, other in ipairs(dead) do
  if other ~= server then
    reap(other)
    reaped = reaped + 1
  end
end
redis.call('ZADD', P .. 'servers', now + ttl, server)
return reaped
--@@ join
-- ARGV: prefix, room, wanted name, server, connection, since ("" for none), max rooms.
-- Returns {name, key, number, gap, members, history}; name "" when there are too many rooms.
local room, wanted, server, conn, since = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local max_rooms = tonumber(ARGV[7])
local rk, nk, lk = keys_of(room)
if redis.call('SISMEMBER', P .. 'rooms', room) == 0 then
  if redis.call('SCARD', P .. 'rooms') >= max_rooms then
    return {'', '', '0', '0', {}, {}}
  end
  redis.call('SADD', P .. 'rooms', room)
end
local epoch = tonumber(epoch_of(rk))
local name, key, n = wanted, string.lower(wanted), 2
while redis.call('HEXISTS', nk, key) == 1 do
  name = wanted .. ' (' .. n .. ')'
  key = string.lower(name)
  n = n + 1
end
redis.call('HSET', nk, key, server .. '\n' .. conn .. '\n' .. name)
redis.call('SADD', P .. 'srv:' .. server, room .. '\n' .. key)
local number = digits(redis.call('HINCRBY', rk, 'seq', 1))
publish(room, number, '{"type":"join","username":' .. cjson.encode(name) .. ',"room":"' .. room .. '"}')
local members = {}
for _, entry in ipairs(redis.call('HVALS', nk)) do
  members[#members + 1] = name_of(entry)
end
local gap, from = '0', '-'
if since ~= '' then
  local s = tonumber(since)
  local dropped = tonumber(redis.call('HGET', rk, 'dropped'))
  local seq = tonumber(redis.call('HGET', rk, 'seq'))
  if s > 0 and (s < epoch or s < dropped or s > seq) then
    gap = '1'
  else
    from = '(' .. since .. '-0'
  end
end
local history = {}
for _, entry in ipairs(redis.call('XRANGE', lk, from, '+')) do
  history[#history + 1] = entry[2][2]
end
return {name, key, number, gap, members, history}
--@@ say
-- ARGV: prefix, room, key, server, connection, the frame up to its id, history length.
-- Returns the line's id, or "" when the connection is no longer a member of the room.
local room, key, owner = ARGV[2], ARGV[3], ARGV[4] .. '\n' .. ARGV[5] .. '\n'
local head, keep = ARGV[6], tonumber(ARGV[7])
local rk, nk, lk = keys_of(room)
local entry = redis.call('HGET', nk, key)
if not entry or string.sub(entry, 1, #owner) ~= owner then
  return ''
end
epoch_of(rk)
if redis.call('XLEN', lk) >= keep then
  local first = redis.call('XRANGE', lk, '-', '+', 'COUNT', 1)[1][1]
  redis.call('HSET', rk, 'dropped', string.sub(first, 1, string.find(first, '-', 1, true) - 1))
end
local id = digits(redis.call('HINCRBY', rk, 'seq', 1))
local frame = head .. id .. ',"ts":' .. digits(now_ms()) .. '}'
redis.call('XADD', lk, 'MAXLEN', keep, id .. '-0', 'f', frame)
publish(room, id, frame)
return id
--@@ leave
-- ARGV: prefix, room, key, server, connection. Returns 1 if the member was there.
local room, key, owner = ARGV[2], ARGV[3], ARGV[4] .. '\n' .. ARGV[5] .. '\n'
local _, nk = keys_of(room)
local entry = redis.call('HGET', nk, key)
if not entry or string.sub(entry, 1, #owner) ~= owner then
  return 0
end
redis.call('SREM', P .. 'srv:' .. ARGV[4], room .. '\n' .. key)
leave(room, key, name_of(entry))
return 1
