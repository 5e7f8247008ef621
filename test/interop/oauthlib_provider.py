"""A small OAuth 1.0a provider built on Debian's python3-oauthlib endpoints, for testing
Countersign's client against an implementation that is not ours.

Usage: oauthlib_provider.py KEY SECRET
Prints "listening PORT", then serves POST /request_token, GET /authorize?oauth_token=… (approves at
once and answers the verifier as text), POST /access_token, and GET|POST /resource (echoes the
decoded query and form parameters as JSON).
"""
import json
import secrets
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from oauthlib.oauth1 import AccessTokenEndpoint, RequestTokenEndpoint, RequestValidator, ResourceEndpoint

KEY, SECRET = sys.argv[1:]
lock = threading.Lock()
request_tokens = {}   # token -> {"secret", "verifier"}
access_tokens = {}    # token -> secret
nonces = set()


def fresh():
    return secrets.token_hex(16)


class Validator(RequestValidator):
    enforce_ssl = False
    client_key_length = request_token_length = access_token_length = (20, 64)
    nonce_length = verifier_length = (8, 64)
    dummy_client = "dummyclientdummyclientdummy0"
    dummy_request_token = "dummyrequestdummyrequest0000"
    dummy_access_token = "dummyaccessdummyaccess000000"

    def validate_client_key(self, client_key, request):
        return client_key == KEY

    def get_client_secret(self, client_key, request):
        return SECRET if client_key == KEY else "dummy"

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, request_token=None, access_token=None):
        entry = (client_key, timestamp, nonce, request_token, access_token)
        with lock:
            if entry in nonces:
                return False
            nonces.add(entry)
            return True

    def validate_requested_realms(self, client_key, realms, request):
        return True

    def validate_redirect_uri(self, client_key, redirect_uri, request):
        return True

    def get_default_realms(self, client_key, request):
        return []

    def save_request_token(self, token, request):
        with lock:
            request_tokens[token["oauth_token"]] = {"secret": token["oauth_token_secret"], "verifier": None}

    def validate_request_token(self, client_key, token, request):
        return token in request_tokens

    def get_request_token_secret(self, client_key, token, request):
        return request_tokens.get(token, {}).get("secret", "dummy")

    def validate_verifier(self, client_key, token, verifier, request):
        entry = request_tokens.get(token)
        return entry is not None and entry["verifier"] is not None and secrets.compare_digest(entry["verifier"], verifier)

    def invalidate_request_token(self, client_key, request_token, request):
        with lock:
            request_tokens.pop(request_token, None)

    def get_realms(self, token, request):
        return []

    def save_access_token(self, token, request):
        with lock:
            access_tokens[token["oauth_token"]] = token["oauth_token_secret"]

    def validate_access_token(self, client_key, token, request):
        return token in access_tokens

    def get_access_token_secret(self, client_key, token, request):
        return access_tokens.get(token, "dummy")

    def validate_realms(self, client_key, token, request, uri=None, realms=None):
        return True


validator = Validator()
request_endpoint = RequestTokenEndpoint(validator)
access_endpoint = AccessTokenEndpoint(validator)
resource_endpoint = ResourceEndpoint(validator)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, content_type="application/x-www-form-urlencoded", headers=None):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else None
        uri = "http://127.0.0.1:%d%s" % (self.server.server_port, self.path)
        headers = dict(self.headers.items())
        path = urllib.parse.urlsplit(self.path).path
        if path == "/request_token":
            h, b, s = request_endpoint.create_request_token_response(uri, method, body, headers)
            self.reply(s, b or "", headers=h)
        elif path == "/authorize":
            token = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("oauth_token", [""])[0]
            with lock:
                if token not in request_tokens:
                    return self.reply(404, "unknown token", "text/plain")
                request_tokens[token]["verifier"] = fresh()
                self.reply(200, request_tokens[token]["verifier"], "text/plain")
        elif path == "/access_token":
            h, b, s = access_endpoint.create_access_token_response(uri, method, body, headers)
            self.reply(s, b or "", headers=h)
        elif path == "/resource":
            valid, request = resource_endpoint.validate_protected_resource_request(uri, method, body, headers)
            if not valid:
                return self.reply(401, "invalid", "text/plain")
            params = [[k, v] for k, v in request.params if not k.startswith("oauth_")]
            self.reply(200, json.dumps({"params": params}), "application/json")
        else:
            self.reply(404, "", "text/plain")

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("listening %d" % server.server_port, flush=True)
server.serve_forever()
