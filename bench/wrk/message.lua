-- POST /v1/requests/{id}/messages as staff: a durable workflow event
-- ("message") with its sealed text, on a random request.
dofile(os.getenv("DSR_BENCH_DIR") .. "/wrk/pick.lua")
request = function()
  return wrk.format("POST", "/v1/requests/" .. pick() .. "/messages", auth(), '{"body": "We are working on your request."}')
end
