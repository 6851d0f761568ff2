-- The world a script sees, built once per Lua VM (see engine.rs). Runs with the real
-- globals; scripts never do. It receives the Rust half of the `redis` object (`R`) and
-- returns what the engine keeps: the scripts' globals, their environment, the runner that
-- calls a script under the error handler, the `redis` table, and what `redis.call` is
-- outside a script.
--
-- Stock Lua 5.1 has no read-only tables (Redis patched its Lua to add them), so protection
-- is built from what the language has: every table a script can reach from its globals is
-- an empty *view* whose metatable reads through to the real table and refuses writes; the
-- two functions that write past metatables (`rawset`, `setmetatable`) refuse views; and
-- `getmetatable` on a view gives a sealed table. The real tables stay unreachable.

local R = ...

local error, type, tostring, select = error, type, tostring, select
local rawset, setmetatable, getmetatable, setfenv = rawset, setmetatable, getmetatable, setfenv
local loadstring, xpcall, pcall, concat = loadstring, xpcall, pcall, table.concat

local READONLY = 'Attempt to modify a readonly table'
local views = setmetatable({}, { __mode = 'k' })

-- Level 2: the error names the script's line that tried the write, as Redis's does.
local function deny()
    error(READONLY, 2)
end

-- What `getmetatable` answers for a view: a table that refuses writes too.
local sealed = setmetatable({}, { __newindex = deny, __metatable = false })
views[sealed] = true

local function view(real)
    local v = setmetatable({}, { __index = real, __newindex = deny, __metatable = sealed })
    views[v] = true
    return v
end

-- Redis replaces math.random with its own generator (the same sequence on every platform).
math.random = R.random
math.randomseed = R.randomseed

-- The scripts' globals (Redis 7.0's allow list; no os, io, print, dofile, loadfile, debug,
-- setfenv, getfenv, newproxy).
local G = {}
for _, name in ipairs({ 'string', 'math', 'table', 'coroutine', 'cjson', 'bit', 'cmsgpack', 'struct' }) do
    if _G[name] ~= nil then
        G[name] = view(_G[name])
    end
end
for _, name in ipairs({
    'xpcall', 'tostring', 'next', 'assert', 'tonumber', 'rawequal', 'collectgarbage', 'rawget',
    'type', 'select', 'gcinfo', 'pairs', 'ipairs', 'error', '_VERSION', 'getmetatable',
}) do
    G[name] = _G[name]
end
-- Lua 5.1.5's own unpack overflows on a huge range and crashes (Redis patched it): Rust's.
G.unpack = R.unpack

G.setmetatable = function(t, mt)
    if views[t] then
        error(READONLY, 0)
    end
    return setmetatable(t, mt)
end

G.rawset = function(t, k, v)
    if views[t] then
        error(READONLY, 0)
    end
    return rawset(t, k, v)
end

-- Redis 7.0's pcall: an error that is a Redis error table comes back as its text (errors
-- raised from Rust arrive wrapped, and are unwrapped to the same text).
local error_text = R.error_text
local function pcall_result(ok, ...)
    if not ok then
        local e = ...
        if type(e) == 'table' then
            local text = e.err
            if type(text) == 'string' or type(text) == 'number' then
                return false, text
            end
        elseif type(e) == 'userdata' then
            return false, error_text(e)
        end
    end
    return ok, ...
end
G.pcall = function(...)
    return pcall_result(pcall(...))
end

-- The environment of every script: reads find `G`, writes are refused, and a global that
-- does not exist is an error rather than nil.
local env_meta = { __index = G, __newindex = deny, __metatable = sealed }
local env = setmetatable({}, env_meta)
views[env] = true
G._G = env
local nonexistent = {
    __index = function(_, name)
        error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2)
    end,
    __metatable = false,
}
setmetatable(G, nonexistent)

-- Code loaded by a script runs in the scripts' world, never in the real globals, and only
-- from text: Lua 5.1 bytecode is not verified, so binary chunks are refused (as Redis does).
local lexable = R.lexable
local function load_text(text, name)
    if type(text) == 'string' and text:byte(1) == 27 then
        return nil, 'binary chunks are not allowed'
    end
    -- Lua 5.1.5's lexer overflows on a long-string delimiter of 2^30 '=' (Redis patched it).
    if type(text) == 'string' and not lexable(text) then
        return nil, 'invalid long string delimiter'
    end
    local f, err = loadstring(text, name)
    if f then
        setfenv(f, env)
    end
    return f, err
end
G.loadstring = load_text
G.load = function(reader, name)
    if type(reader) ~= 'function' then
        return load_text(reader, name)
    end
    local parts = {}
    while true do
        local part = reader()
        if part == nil or part == '' then
            break
        end
        parts[#parts + 1] = part
    end
    return load_text(concat(parts), name)
end

-- The metatable every string shares is reachable with getmetatable(''): sealed too.
getmetatable('').__metatable = sealed

-- The `redis` object. `redis.call` is a Rust function that lives only while a script runs
-- (see call.rs), put in place by `run`; before the first run it is this.
local function outside(what)
    return function()
        error({ err = 'ERR ' .. what .. ' can only be called inside a script invocation' })
    end
end
local redis = {}
local outside_call = outside('redis.call/pcall')
redis.call = outside_call
-- redis.pcall: redis.call, its error returned instead of raised (it never raises, so its
-- frame never matters to an error's location and it can be Lua).
local error_value = R.error_value
function redis.pcall(...)
    local ok, result = pcall(redis.call, ...)
    if ok then
        return result
    end
    return error_value(result)
end
redis.acl_check_cmd = R.acl_check_cmd
redis.setresp = R.setresp
redis.set_repl = R.set_repl
function redis.replicate_commands()
    return true
end
function redis.breakpoint()
    return false
end
function redis.debug() end
function redis.status_reply(...)
    local text = ...
    if select('#', ...) ~= 1 or type(text) ~= 'string' then
        return { err = 'ERR wrong number or type of arguments' }
    end
    return { ok = text }
end
function redis.error_reply(...)
    local text = ...
    if select('#', ...) ~= 1 or type(text) ~= 'string' then
        return { err = 'ERR wrong number or type of arguments' }
    end
    if text:byte(1) ~= 45 then
        text = '-' .. text
    end
    return R.error_table(text)
end
redis.sha1hex = R.sha1hex
redis.log = R.log
redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING = 0, 1, 2, 3
redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL = 0, 1, 2, 2, 3
redis.REDIS_VERSION = R.version
redis.REDIS_VERSION_NUM = R.version_num
G.redis = view(redis)

-- Errors become Redis error tables, with where in the script they happened (Rust: the
-- stack is read without the debug library, which scripts must not have).
local handler = R.handler

-- What FUNCTION LOAD's code sees while it runs (Redis's "library API"): `redis` with only
-- register_function, log and the version; nothing else, not even `string`. The functions it
-- registers keep `env` as their environment, which reads `G` again once the load is over.
local library_redis = setmetatable({
    register_function = R.register_function,
    log = R.log,
    LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
    REDIS_VERSION = R.version,
    REDIS_VERSION_NUM = R.version_num,
}, nonexistent)
local library_globals = setmetatable({ redis = view(library_redis) }, nonexistent)
local function loading(on)
    if on then
        env_meta.__index = library_globals
    else
        env_meta.__index = G
    end
end

-- Run a function (FCALL): KEYS and ARGV are its arguments, not globals.
local function run_function(f, keys, argv, call)
    redis.call = call
    return xpcall(function()
        return f(keys, argv)
    end, handler)
end

-- Run a script: its first result, or its error table.
-- Run a script: its first result, or its error table. KEYS and ARGV become globals (for an
-- EVAL: a function gets them as arguments), and `redis.call` is this run's.
local function run(f, keys, argv, call)
    rawset(G, 'KEYS', keys)
    rawset(G, 'ARGV', argv)
    redis.call = call
    return xpcall(f, handler)
end

-- Run a library's code (FUNCTION LOAD): true, or false and the error as it was raised.
local function run_load(f)
    return pcall(f)
end

return G, env, run, redis, run_function, loading, run_load
