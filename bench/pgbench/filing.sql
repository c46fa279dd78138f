-- What one filing writes on PostgreSQL, as pgbench runs it: the request
-- row, the tracking token's hash, the sealed form, and the journal entry
-- with its salt and leaf hash (bytea of the same sizes dsr writes). The
-- reference for bench/pg_bench.sh.
\set n random(1, 1000000000)
BEGIN;
INSERT INTO requests (id, type, policy, subject_ref, state, version, received_at, due_at, extended, outcome,
                      updated_at, awaiting_subject_seconds)
  VALUES ('pgb-' || :client_id || '-' || :n || '-' || txid_current(), 'access', 'id-pdp', 's-bench', 'verifying', 1,
          extract(epoch FROM now())::bigint, extract(epoch FROM now())::bigint + 259200, false, '',
          extract(epoch FROM now())::bigint, 0);
INSERT INTO subject_keys (request_id, secret_hash)
  VALUES ('pgb-' || :client_id || '-' || :n || '-' || txid_current(), sha256(random()::text::bytea));
INSERT INTO request_details (request_id, sealed)
  VALUES ('pgb-' || :client_id || '-' || :n || '-' || txid_current(),
          sha256(random()::text::bytea) || sha256(random()::text::bytea) || sha256(random()::text::bytea));
INSERT INTO journal (request_id, request_seq, name, principal, role, at, reason, reason_public, from_state, to_state,
                     clock, outcome, data, salt, leaf_hash)
  VALUES ('pgb-' || :client_id || '-' || :n || '-' || txid_current(), 1, 'submit', 'subject', 'subject',
          extract(epoch FROM now())::bigint, '', false, '', 'verifying', 'start', '', '\x00'::bytea,
          'AAAAAAAAAAAAAAAAAAAAAA==', sha256(random()::text::bytea));
COMMIT;
