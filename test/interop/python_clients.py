"""Requests to a Countersign server signed by Debian's python3-oauthlib, python3-requests-oauthlib
and python3-authlib.

Usage: python_clients.py BASE_URL KEY SECRET TOKEN TOKEN_SECRET
Prints one JSON object: for each library and case, the status and the decoded response.
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

import requests
from oauthlib import oauth1
from requests_oauthlib import OAuth1

# Authlib refuses plain HTTP unless told otherwise; the server under test listens on loopback.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
from authlib.integrations.requests_client import OAuth1Auth  # noqa: E402

base, key, secret, token, token_secret = sys.argv[1:]

AWKWARD = [("q", "hello world"), ("plus", "a+b"), ("tilde", "~user"), ("pct", "100%"),
           ("utf", "café 日"), ("tag", "a"), ("tag", "b"), ("empty", "")]
NOTE = "python: 100% ~ + & = é"


def decode(status, text):
    try:
        return {"status": status, "body": json.loads(text)}
    except ValueError:
        return {"status": status, "body": text}


def with_requests_auth(three, two):
    """The three cases through requests, signed by a requests auth object (with and without a token)."""
    out = {}
    r = requests.get(base + "/api/v1/me", params=AWKWARD, auth=three)
    out["awkward_get"] = decode(r.status_code, r.text)
    r = requests.post(base + "/api/v1/notes", data={"text": NOTE}, auth=three)
    out["form_post"] = decode(r.status_code, r.text)
    r = requests.get(base + "/api/v1/me", params=[("lti", "1")], auth=two)
    out["two_legged"] = decode(r.status_code, r.text)
    return out


def with_requests_oauthlib():
    return with_requests_auth(
        OAuth1(key, client_secret=secret, resource_owner_key=token, resource_owner_secret=token_secret),
        OAuth1(key, client_secret=secret))


def send(uri, method, headers, body):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(uri, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req) as response:
            return decode(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return decode(error.code, error.read().decode())


def with_oauthlib():
    three = oauth1.Client(key, client_secret=secret, resource_owner_key=token, resource_owner_secret=token_secret)
    two = oauth1.Client(key, client_secret=secret)
    out = {}
    uri, headers, body = three.sign(base + "/api/v1/me?" + urllib.parse.urlencode(AWKWARD, quote_via=urllib.parse.quote), "GET")
    out["awkward_get"] = send(uri, "GET", headers, body)
    form = urllib.parse.urlencode({"text": NOTE})
    uri, headers, body = three.sign(base + "/api/v1/notes", "POST", body=form,
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    out["form_post"] = send(uri, "POST", headers, body)
    uri, headers, body = two.sign(base + "/api/v1/me?lti=1", "GET")
    out["two_legged"] = send(uri, "GET", headers, body)
    return out


def with_authlib():
    out = with_requests_auth(OAuth1Auth(key, client_secret=secret, token=token, token_secret=token_secret),
                             OAuth1Auth(key, client_secret=secret))
    # Authlib 1.2 puts its parameters into the query a second time when it signs there.
    in_query = OAuth1Auth(key, client_secret=secret, token=token, token_secret=token_secret,
                          signature_type="QUERY")
    r = requests.get(base + "/api/v1/me", auth=in_query)
    out["query_placement"] = {"status": r.status_code, "body": dict(urllib.parse.parse_qsl(r.text)),
                              "url": r.request.url}
    return out


print(json.dumps({"requests-oauthlib": with_requests_oauthlib(), "oauthlib": with_oauthlib(),
                  "authlib": with_authlib(), "note": NOTE}))
