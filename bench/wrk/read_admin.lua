-- GET /v1/requests/{id} as an admin: a member of staff whose view of a
-- request carries no personal data (no subject panel), so the read writes
-- no access entry; read.lua (a supervisor) shows what the entry costs.
dofile(os.getenv("DSR_BENCH_DIR") .. "/wrk/pick.lua")
local admin = os.getenv("DSR_BENCH_ADMIN_TOKEN")
request = function()
  return wrk.format("GET", "/v1/requests/" .. pick(), { ["Authorization"] = "Bearer " .. admin })
end
