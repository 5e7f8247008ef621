"""Peer benchmark: python3-oauthlib's ResourceEndpoint verifying signed requests with unique nonces.

Usage: oauthlib_peer.py N   — prints one JSON line {"ops_per_sec": …}. Signing happens before timing.
"""
import json
import sys
import time

from oauthlib.oauth1 import Client, RequestValidator, ResourceEndpoint

N = int(sys.argv[1])
KEY, SECRET, TOKEN, TOKEN_SECRET = "k" * 24, "s" * 24, "t" * 24, "u" * 24


class Validator(RequestValidator):
    enforce_ssl = False
    client_key_length = access_token_length = (20, 64)
    nonce_length = (8, 64)
    dummy_client = "d" * 24
    dummy_access_token = "e" * 24
    nonces = set()

    def validate_client_key(self, client_key, request):
        return client_key == KEY

    def get_client_secret(self, client_key, request):
        return SECRET

    def validate_access_token(self, client_key, token, request):
        return token == TOKEN

    def get_access_token_secret(self, client_key, token, request):
        return TOKEN_SECRET

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, request_token=None, access_token=None):
        entry = (client_key, access_token, timestamp, nonce)
        if entry in self.nonces:
            return False
        self.nonces.add(entry)
        return True

    def validate_realms(self, client_key, token, request, uri=None, realms=None):
        return True


endpoint = ResourceEndpoint(Validator())
client = Client(KEY, client_secret=SECRET, resource_owner_key=TOKEN, resource_owner_secret=TOKEN_SECRET)
uri = "http://127.0.0.1:3000/api/v1/me?format=json"
signed = []
for i in range(N):
    client.nonce = "nonce%08d" % i
    _, headers, _ = client.sign(uri, "GET")
    signed.append(headers)

start = time.perf_counter()
ok = 0
for headers in signed:
    valid, _ = endpoint.validate_protected_resource_request(uri, "GET", None, headers)
    ok += valid
elapsed = time.perf_counter() - start
print(json.dumps({"ops_per_sec": N / elapsed, "valid": ok}))
