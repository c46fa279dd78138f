-- Reading one request as dsr loads it (the row and its journal, in one
-- statement), for a request chosen at random among those bench_ids lists.
-- The reference for bench/pg_bench.sh's reads; run with -D count=N.
\set k random(1, :count)
SELECT r.type, r.policy, r.subject_ref, j.request_seq, j.name, j.principal, j.role, j.at, j.reason, j.reason_public,
       j.from_state, j.to_state, j.clock, j.outcome, j.data
  FROM requests r JOIN journal j ON j.request_id = r.id
 WHERE r.id = (SELECT id FROM bench_ids WHERE n = :k) ORDER BY j.request_seq;
