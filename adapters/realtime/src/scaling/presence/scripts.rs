//! The Lua scripts that change presence in Redis: each change is one script, so two nodes can
//! never both decide that a user arrived or left. See the table of keys in `presence`.

/// Adds one socket of a member; on the member's first socket anywhere adds `member_added` to
/// the ops stream. KEYS: sockets, users, info hashes, this node's set. ARGV: `node|socket`, user
/// key, info, `channel\nsocket`, stream key, the encoded op, the stream's MAXLEN, and optionally
/// `only` followed by member keys. Returns `{first, infos}`: every member's info, or with `only`
/// the infos of those keys that are present.
pub(super) const JOIN: &str = r"
local first = 0
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('SADD', KEYS[4], ARGV[4])
  if redis.call('HINCRBY', KEYS[2], ARGV[2], 1) == 1 then
    redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
    redis.call('XADD', ARGV[5], 'MAXLEN', '~', ARGV[7], '*', 'o', ARGV[6])
    first = 1
  end
end
if ARGV[8] == 'only' then
  local found = {}
  for i = 9, #ARGV do
    local info = redis.call('HGET', KEYS[3], ARGV[i])
    if info then table.insert(found, info) end
  end
  return {first, found}
end
return {first, redis.call('HVALS', KEYS[3])}
";

/// Takes one socket of a member out; on the member's last socket anywhere adds
/// `member_removed` to the ops stream. KEYS as for [`JOIN`]. ARGV: `node|socket`,
/// `channel\nsocket`, stream key, the encoded op, the stream's MAXLEN. Returns 1 when that was
/// the member's last socket, 0 when not, -1 when Redis did not know the socket.
pub(super) const LEAVE: &str = r"
redis.call('SREM', KEYS[4], ARGV[2])
local key = redis.call('HGET', KEYS[1], ARGV[1])
if not key then return -1 end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HINCRBY', KEYS[2], key, -1) <= 0 then
  redis.call('HDEL', KEYS[2], key)
  redis.call('HDEL', KEYS[3], key)
  redis.call('XADD', ARGV[3], 'MAXLEN', '~', ARGV[5], '*', 'o', ARGV[4])
  return 1
end
return 0
";

/// Takes a node's entries out; returns `channel, info` pairs of the users gone with them.
/// ARGV: prefix, node, `1` to do nothing if the node is alive after all, `1` to forget the node.
pub(super) const CLEANUP: &str = r"
local p, node = ARGV[1], ARGV[2]
if ARGV[3] == '1' and redis.call('EXISTS', p .. 'node:' .. node .. ':alive') == 1 then
  return {}
end
local set = p .. 'node:' .. node .. ':presence'
local gone = {}
for _, m in ipairs(redis.call('SMEMBERS', set)) do
  local nl = string.find(m, '\n', 1, true)
  if nl then
    local channel, socket = string.sub(m, 1, nl - 1), string.sub(m, nl + 1)
    local base = p .. 'presence:' .. channel
    local field = node .. '|' .. socket
    local key = redis.call('HGET', base .. ':sockets', field)
    if key then
      redis.call('HDEL', base .. ':sockets', field)
      if redis.call('HINCRBY', base .. ':users', key, -1) <= 0 then
        local info = redis.call('HGET', base .. ':info', key)
        redis.call('HDEL', base .. ':users', key)
        redis.call('HDEL', base .. ':info', key)
        if info then
          table.insert(gone, channel)
          table.insert(gone, info)
        end
      end
    end
  end
end
redis.call('DEL', set)
if ARGV[4] == '1' then
  redis.call('SREM', p .. 'nodes', node)
  redis.call('DEL', p .. 'stats:' .. node, p .. 'node:' .. node .. ':alive')
end
return gone
";

/// Replaces this node's entries with the ones given (groups of channel, socket, user key, info)
/// in one step; returns `added|removed, channel, info` for every user whose presence changed.
pub(super) const RESYNC: &str = r"
local p, node = ARGV[1], ARGV[2]
local set = p .. 'node:' .. node .. ':presence'
local before, touched = {}, {}
local function note(channel, key)
  local id = channel .. '\n' .. key
  if before[id] == nil then
    before[id] = redis.call('HGET', p .. 'presence:' .. channel .. ':info', key) or false
    table.insert(touched, {channel, key})
  end
end
for _, m in ipairs(redis.call('SMEMBERS', set)) do
  local nl = string.find(m, '\n', 1, true)
  if nl then
    local channel, socket = string.sub(m, 1, nl - 1), string.sub(m, nl + 1)
    local base = p .. 'presence:' .. channel
    local field = node .. '|' .. socket
    local key = redis.call('HGET', base .. ':sockets', field)
    if key then
      note(channel, key)
      redis.call('HDEL', base .. ':sockets', field)
      if redis.call('HINCRBY', base .. ':users', key, -1) <= 0 then
        redis.call('HDEL', base .. ':users', key)
        redis.call('HDEL', base .. ':info', key)
      end
    end
  end
end
redis.call('DEL', set)
for i = 3, #ARGV, 4 do
  local channel, socket, key, info = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local base = p .. 'presence:' .. channel
  note(channel, key)
  if redis.call('HSETNX', base .. ':sockets', node .. '|' .. socket, key) == 1 then
    if redis.call('HINCRBY', base .. ':users', key, 1) == 1 then
      redis.call('HSET', base .. ':info', key, info)
    end
    redis.call('SADD', set, channel .. '\n' .. socket)
  end
end
local out = {}
for _, t in ipairs(touched) do
  local was = before[t[1] .. '\n' .. t[2]]
  local now = redis.call('HGET', p .. 'presence:' .. t[1] .. ':info', t[2])
  if was and not now then
    table.insert(out, 'removed'); table.insert(out, t[1]); table.insert(out, was)
  elseif now and not was then
    table.insert(out, 'added'); table.insert(out, t[1]); table.insert(out, now)
  end
end
return out
";
