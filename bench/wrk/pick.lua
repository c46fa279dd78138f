-- Shared by read.lua and message.lua: request ids from ids.txt, a random one
-- per call, so concurrent writers rarely meet on one request.
-- Each wrk thread has its own Lua state, all with the same default seed:
-- seed from this state's own table address so that threads pick apart.
math.randomseed(tonumber(tostring({}):match("0x(%x+)"), 16) % 2147483647)
local ids = {}
for line in io.lines(os.getenv("DSR_BENCH_IDS")) do ids[#ids + 1] = line end
local token = os.getenv("DSR_BENCH_TOKEN")
function pick() return ids[math.random(#ids)] end
function auth() return { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" } end
