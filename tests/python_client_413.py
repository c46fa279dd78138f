#!/usr/bin/python3
"""Python's http.client against `dsr serve`: a body past the limit, sent in
one go before the answer is read (http.client sends the whole request, then
reads). Without a lingering close the server's close resets the connection
while the client is still sending, and the client never sees the 413.

  tests/python_client_413.py PORT BYTES

Prints the status and the problem's type; exits 0 on a 413, 1 otherwise
(a reset included, with what Python raised)."""
import http.client
import json
import sys


def main():
    port, size = int(sys.argv[1]), int(sys.argv[2])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = b'{"type": "access", "padding": "' + b"a" * size + b'"}'
    try:
        connection.request("POST", "/v1/requests", body=body, headers={"Content-Type": "application/json"})
        answer = connection.getresponse()
        problem = json.loads(answer.read())
    except (ConnectionError, http.client.HTTPException, OSError) as error:
        print(f"no answer: {type(error).__name__}: {error}")
        return 1
    print(answer.status, problem.get("type"))
    return 0 if answer.status == 413 else 1


if __name__ == "__main__":
    sys.exit(main())
