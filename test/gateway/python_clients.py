"""Requests through the gateway, or through nginx and forward-auth, signed by Debian's
python3-requests-oauthlib and python3-authlib.

Usage: python_clients.py BASE_URL KEY SECRET TOKEN TOKEN_SECRET
Prints one JSON object: for each library and case, the status, the upstream's echo of what it
received (or null) and the WWW-Authenticate header.
"""
import json
import os
import sys

import requests
from requests_oauthlib import OAuth1

# Authlib refuses plain HTTP unless told otherwise; the servers under test listen on loopback.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
from authlib.integrations.requests_client import OAuth1Auth  # noqa: E402

base, key, secret, token, token_secret = sys.argv[1:]
AWKWARD = [("q", "hello world"), ("plus", "a+b"), ("tilde", "~user"), ("pct", "100%"),
           ("utf", "café 日"), ("tag", "a"), ("tag", "b"), ("empty", "")]
SPOOFED = {"X-OAuth-User": "mallory", "X-OAuth-Scopes": "admin", "X-OAuth-Two-Legged": "true",
           "X-OAuth-Consumer-Key": "someone-else"}


def result(response):
    try:
        echo = response.json()
    except ValueError:
        echo = None
    return {"status": response.status_code, "echo": echo,
            "www_authenticate": response.headers.get("WWW-Authenticate")}


def cases(three, two, library):
    return {
        "get": result(requests.get(base + "/v1/echo", params=AWKWARD + [("lib", library)], auth=three)),
        "two_legged": result(requests.get(base + "/v1/things/5", params=[("lib", library)], auth=two)),
        "spoofed": result(requests.get(base + "/v1/echo", params=[("lib", library), ("spoofed", "1")],
                                       headers=SPOOFED, auth=three)),
        "form_post": result(requests.post(base + "/v1/echo", params=[("lib", library)],
                                          data={"text": "python: 100% ~ + & = é"}, auth=three)),
    }


print(json.dumps({
    "requests_oauthlib": cases(
        OAuth1(key, client_secret=secret, resource_owner_key=token, resource_owner_secret=token_secret),
        OAuth1(key, client_secret=secret), "requests-oauthlib"),
    "authlib": cases(
        OAuth1Auth(key, client_secret=secret, token=token, token_secret=token_secret),
        OAuth1Auth(key, client_secret=secret), "authlib"),
}))
