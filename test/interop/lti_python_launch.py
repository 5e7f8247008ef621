"""An LTI 1.1 launch signed by Debian's python3-oauthlib, as Python tool consumers (pylti's and
the `lti` package's) sign one: oauth1.Client with the body signature type and
oauth_callback=about:blank, every parameter in the form body.

Usage: lti_python_launch.py LAUNCH_URL KEY SECRET PARAMS_JSON
Prints one JSON object: the status and body of the tool's answer.
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

from oauthlib import oauth1

url, key, secret, params_json = sys.argv[1:]
params = json.loads(params_json)
client = oauth1.Client(key, client_secret=secret, callback_uri="about:blank",
                       signature_type=oauth1.SIGNATURE_TYPE_BODY)
form = urllib.parse.urlencode(params)
uri, headers, body = client.sign(url, "POST", body=form,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
headers["Accept"] = "text/html"
request = urllib.request.Request(uri, data=body.encode(), method="POST", headers=headers)
try:
    with urllib.request.urlopen(request) as response:
        print(json.dumps({"status": response.status, "body": response.read().decode()}))
except urllib.error.HTTPError as error:
    print(json.dumps({"status": error.code, "body": error.read().decode()}))
