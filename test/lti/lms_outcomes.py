"""An LMS's outcome service (LTI Basic Outcomes 1.1), standing in for Canvas or Moodle: built on
Debian's python3-oauthlib, which verifies the OAuth signature of each POST (SignatureOnlyEndpoint:
consumer credentials, no token, as LTI signs it), and on hashlib for oauth_body_hash, which must be
the base64 SHA-1 of the exact body. It keeps scores per sourcedid and answers POX, as an LMS does.

Usage: lms_outcomes.py KEY SECRET
Prints "listening PORT", then serves POST /outcomes. A sourcedid starting with "unknown" is refused
with imsx_codeMajor failure, as an LMS refuses a result it does not have. Every request it took is
kept, and GET /requests answers them as JSON (body hash as sent and as computed, signature valid).
"""
import base64
import hashlib
import json
import sys
import threading
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from oauthlib.oauth1 import RequestValidator, SignatureOnlyEndpoint
from oauthlib.oauth1.rfc5849 import utils

KEY, SECRET = sys.argv[1:]
NS = {"ims": "http://www.imsglobal.org/services/ltiv1p1/xsd/imsoms_v1p0"}
lock = threading.Lock()
scores = {}
nonces = set()
seen = []


class Validator(RequestValidator):
    enforce_ssl = False
    client_key_length = (3, 255)
    nonce_length = (8, 64)
    safe_characters = set(utils.UNICODE_ASCII_CHARACTER_SET) | set("-_.")
    dummy_client = "dummy-client-key"

    def check_client_key(self, client_key):
        return 3 <= len(client_key) <= 255

    def validate_client_key(self, client_key, request):
        return client_key == KEY

    def get_client_secret(self, client_key, request):
        return SECRET if client_key == KEY else "dummy"

    def validate_timestamp_and_nonce(self, client_key, timestamp, nonce, request, request_token=None, access_token=None):
        with lock:
            if (client_key, timestamp, nonce) in nonces:
                return False
            nonces.add((client_key, timestamp, nonce))
            return True


endpoint = SignatureOnlyEndpoint(Validator())


def answer(code, description, message_id, operation, body=""):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<imsx_POXEnvelopeResponse xmlns="{NS['ims']}">
  <imsx_POXHeader>
    <imsx_POXResponseHeaderInfo>
      <imsx_version>V1.0</imsx_version>
      <imsx_messageIdentifier>lms-{len(seen)}</imsx_messageIdentifier>
      <imsx_statusInfo>
        <imsx_codeMajor>{code}</imsx_codeMajor>
        <imsx_severity>{"status" if code == "success" else "error"}</imsx_severity>
        <imsx_description>{escape(description)}</imsx_description>
        <imsx_messageRefIdentifier>{message_id}</imsx_messageRefIdentifier>
        <imsx_operationRefIdentifier>{operation}</imsx_operationRefIdentifier>
      </imsx_statusInfo>
    </imsx_POXResponseHeaderInfo>
  </imsx_POXHeader>
  <imsx_POXBody>{body}</imsx_POXBody>
</imsx_POXEnvelopeResponse>"""


def operate(root):
    """Carries out the request; returns (code, description, operation, body)."""
    body = root.find("ims:imsx_POXBody", NS)
    request = body[0] if body is not None and len(body) else None
    operation = request.tag.split("}")[-1].replace("Request", "") if request is not None else "unknown"
    sourcedid = root.findtext(".//ims:sourcedGUID/ims:sourcedId", default="", namespaces=NS)
    if sourcedid.startswith("unknown"):
        return "failure", f"No result for {sourcedid}.", operation, ""
    with lock:
        if operation == "replaceResult":
            text = root.findtext(".//ims:resultScore/ims:textString", default="", namespaces=NS)
            try:
                score = float(text)
            except ValueError:
                return "failure", f"Score {text!r} is not a number.", operation, ""
            if not 0.0 <= score <= 1.0:
                return "failure", "Score must be between 0.0 and 1.0.", operation, ""
            scores[sourcedid] = text
            return "success", f"Score for {sourcedid} is now {text}", operation, "<replaceResultResponse/>"
        if operation == "readResult":
            text = scores.get(sourcedid, "")
            result = f"<readResultResponse><result><resultScore><language>en</language><textString>{escape(text)}</textString></resultScore></result></readResultResponse>"
            return "success", f"Result read for {sourcedid}", operation, result
        if operation == "deleteResult":
            scores.pop(sourcedid, None)
            return "success", f"Result deleted for {sourcedid}", operation, "<deleteResultResponse/>"
    return "unsupported", f"{operation} is not supported", operation, ""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, text, content_type="application/xml"):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        with lock:
            self.reply(200, json.dumps(seen), "application/json")

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        uri = f"http://127.0.0.1:{self.server.server_port}{self.path}"
        headers = {"Authorization": self.headers.get("Authorization", "")}
        valid, request = endpoint.validate_request(uri, "POST", None, headers)
        params = dict(request.params) if request is not None else {}
        sent_hash = params.get("oauth_body_hash", "")
        computed = base64.b64encode(hashlib.sha1(raw).digest()).decode()
        with lock:
            seen.append({"valid": valid, "body_hash": sent_hash, "computed": computed,
                         "content_type": self.headers.get("Content-Type", "")})
        if not valid:
            return self.reply(401, "signature invalid", "text/plain")
        if sent_hash != computed:
            return self.reply(401, "oauth_body_hash does not match the body", "text/plain")
        try:
            root = ET.fromstring(raw)
        except ET.ParseError as error:
            return self.reply(400, f"not XML: {error}", "text/plain")
        message_id = root.findtext(".//ims:imsx_messageIdentifier", default="", namespaces=NS)
        code, description, operation, body = operate(root)
        self.reply(200, answer(code, description, message_id, operation, body))


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening {server.server_port}", flush=True)
server.serve_forever()
