-- wrk script: HTTP/1.1 pipelining, DEPTH requests sent in one write per connection.
--
-- Usage: wrk -s bench/pipeline.lua http://127.0.0.1:8888/ [-- DEPTH]
-- DEPTH defaults to $BENCH_PIPELINE_DEPTH, else 16.
--
-- The batch is built once in init() and request() hands back the same pre-concatenated
-- string, so the client spends no time formatting requests. wrk parses the returned string to
-- learn how many requests it holds, writes the batch again only once every response to it has
-- been read, and counts each parsed *response* as one request in its "N requests" and
-- "Requests/sec" figures, so those are per request, not per batch (bench/README.md shows how
-- this was checked against a server that counts what it receives).

local batch

function init(args)
   local depth = tonumber(args[1] or os.getenv("BENCH_PIPELINE_DEPTH") or "16")
   if depth == nil or depth < 1 then
      error("pipeline depth must be a positive integer")
   end
   local reqs = {}
   for i = 1, depth do
      reqs[i] = wrk.format(nil, wrk.path)
   end
   batch = table.concat(reqs)
end

function request()
   return batch
end
