-- POST /v1/requests: a durable filing (no record on file: manual verification).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"type": "access", "subject": {"name": "Bench Subject", "nik": "3273015506900002", "email": "bench@example.org"}}'
