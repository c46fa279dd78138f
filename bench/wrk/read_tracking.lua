-- GET /v1/requests/{id} as the subject: a random request of the pool that
-- file_pool.lua wrote (DSR_BENCH_POOL), with that request's own tracking
-- token as its bearer credential.
-- Seeded per thread as in pick.lua, so that wrk's threads pick apart.
math.randomseed(tonumber(tostring({}):match("0x(%x+)"), 16) % 2147483647)
local pool = {}
for line in io.lines(os.getenv("DSR_BENCH_POOL")) do
  local id, token = line:match("^(%S+) (%S+)$")
  if id then pool[#pool + 1] = { "/v1/requests/" .. id, { ["Authorization"] = "Bearer " .. token } } end
end
request = function()
  local pick = pool[math.random(#pool)]
  return wrk.format("GET", pick[1], pick[2])
end
