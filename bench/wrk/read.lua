-- GET /v1/requests/{id} as staff.
dofile(os.getenv("DSR_BENCH_DIR") .. "/wrk/pick.lua")
request = function() return wrk.format("GET", "/v1/requests/" .. pick(), auth()) end
