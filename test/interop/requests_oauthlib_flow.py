"""Three-legged flow with Debian's python3-requests-oauthlib against a running Countersign.

Usage: requests_oauthlib_flow.py BASE_URL KEY SECRET APPROVE_COMMAND...
The approve command is run with the request token appended and must print {"verifier": "..."}.
Prints one JSON line: the /api/v1/me answer and the tokens' shapes.
"""
import json
import subprocess
import sys

from requests_oauthlib import OAuth1Session

base, key, secret, *approve = sys.argv[1:]

client = OAuth1Session(key, client_secret=secret, callback_uri="oob")
request_token = client.fetch_request_token(base + "/oauth/initiate")
decided = subprocess.run(approve + [request_token["oauth_token"]], check=True, capture_output=True, text=True)
verifier = json.loads(decided.stdout)["verifier"]

client = OAuth1Session(
    key,
    client_secret=secret,
    resource_owner_key=request_token["oauth_token"],
    resource_owner_secret=request_token["oauth_token_secret"],
    verifier=verifier,
)
access = client.fetch_access_token(base + "/oauth/token")

client = OAuth1Session(
    key,
    client_secret=secret,
    resource_owner_key=access["oauth_token"],
    resource_owner_secret=access["oauth_token_secret"],
)
me = client.get(base + "/api/v1/me")
note = client.post(base + "/api/v1/notes", data={"text": "from python: 100% ~ +"})
notes = client.get(base + "/api/v1/notes")
print(json.dumps({
    "confirmed": request_token.get("oauth_callback_confirmed"),
    "verifier": verifier,
    "me_status": me.status_code,
    "me": me.json(),
    "note_status": note.status_code,
    "notes": notes.json(),
}))
