-- POST /v1/requests as file.lua, keeping each filing's id and tracking
-- token (the 201 answer's "id" and "tracking_token", shown only there) for
-- read_tracking.lua: one "ID TOKEN" line per filing, appended to the file
-- DSR_BENCH_POOL. Each wrk thread opens it on its own; line buffering makes
-- every line one write(2) in append mode, so threads' lines never mix.
dofile(os.getenv("DSR_BENCH_DIR") .. "/wrk/file.lua")
local pool = assert(io.open(os.getenv("DSR_BENCH_POOL"), "a"))
pool:setvbuf("line")
response = function(status, headers, body)
  if status ~= 201 then return end
  local id = body:match('"id":"([^"]+)"')
  local token = body:match('"tracking_token":"([^"]+)"')
  if id and token then pool:write(id .. " " .. token .. "\n") end
end
