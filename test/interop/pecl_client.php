<?php
// Requests to a Countersign server made by PECL oauth's OAuth client (Debian's php-oauth), a C
// implementation: the three-legged dance, then signed resource requests with every signature
// method and placement it offers.
//
// Usage: php pecl_client.php BASE_URL APPROVE_URL KEY SECRET RSA_KEY_FILE
// APPROVE_URL?token=... approves a request token for the test's user and answers its verifier.
// Prints one JSON object: for each case, the status and the decoded response.

[, $base, $approve, $key, $secret, $rsaKeyFile] = $argv;

const NOTE = 'php: 100% ~ + & = é';
// The awkward query, encoded as RFC 3986 says, without a repeated key: PECL signs the query as PHP
// parses it, where the last of a repeated key wins (see the last case, and docs/interop.md).
const AWKWARD = 'q=hello%20world&plus=a%2Bb&tilde=~user&pct=100%25&utf=caf%C3%A9%20%E6%97%A5&tag=a&empty=';

function client(string $key, string $secret, string $method, int $placement, string $rsaKeyFile): OAuth {
    $oauth = new OAuth($key, $secret, $method, $placement);
    // Refusals are answers to report, not exceptions to stop at.
    $oauth->disableRedirects();
    if ($method === OAUTH_SIG_METHOD_RSASHA1) $oauth->setRSACertificate(file_get_contents($rsaKeyFile));
    return $oauth;
}

function answer(OAuth $oauth): array {
    $info = $oauth->getLastResponseInfo();
    $text = $oauth->getLastResponse();
    $body = json_decode((string) $text, true);
    return ['status' => $info['http_code'] ?? 0, 'body' => $body ?? $text];
}

/** Sends one request; a refusal is recorded with its status and body. */
function send(OAuth $oauth, string $url, array $params, string $method): array {
    try {
        $oauth->fetch($url, $params, $method);
    } catch (OAuthException $e) {
        // The response of a refused request is still the last response.
    }
    return answer($oauth);
}

$out = [];
// The dance, signed with HMAC-SHA1 in the Authorization header.
$dance = client($key, $secret, OAUTH_SIG_METHOD_HMACSHA1, OAUTH_AUTH_TYPE_AUTHORIZATION, $rsaKeyFile);
$request = $dance->getRequestToken("$base/oauth/initiate", 'oob', 'POST');
$out['initiate'] = ['confirmed' => $request['oauth_callback_confirmed'] ?? null];
$verifier = file_get_contents($approve . '?token=' . rawurlencode($request['oauth_token']));
$dance->setToken($request['oauth_token'], $request['oauth_token_secret']);
$access = $dance->getAccessToken("$base/oauth/token", '', $verifier, 'POST');
$out['exchange'] = ['token' => isset($access['oauth_token']), 'secret' => isset($access['oauth_token_secret'])];

$methods = [OAUTH_SIG_METHOD_HMACSHA1, OAUTH_SIG_METHOD_HMACSHA256, OAUTH_SIG_METHOD_RSASHA1, OAUTH_SIG_METHOD_PLAINTEXT];
$placements = ['header' => OAUTH_AUTH_TYPE_AUTHORIZATION, 'query' => OAUTH_AUTH_TYPE_URI, 'body' => OAUTH_AUTH_TYPE_FORM];
foreach ($methods as $method) {
    foreach ($placements as $where => $placement) {
        $oauth = client($key, $secret, $method, $placement, $rsaKeyFile);
        $oauth->setToken($access['oauth_token'], $access['oauth_token_secret']);
        // A form placement puts the protocol parameters in a body, which a GET does not have.
        $get = $where === 'body'
            ? null
            : send($oauth, "$base/api/v1/me?" . AWKWARD, [], OAUTH_HTTP_METHOD_GET);
        $post = send($oauth, "$base/api/v1/notes", ['text' => NOTE], OAUTH_HTTP_METHOD_POST);
        $out["$method $where"] = ['get' => $get, 'post' => $post];
    }
}
// Two-legged: no token at all.
$out['two_legged'] = send(
    client($key, $secret, OAUTH_SIG_METHOD_HMACSHA1, OAUTH_AUTH_TYPE_AUTHORIZATION, $rsaKeyFile),
    "$base/api/v1/me?lti=1",
    [],
    OAUTH_HTTP_METHOD_GET,
);
// A repeated query key: refused, with the base string the server computed beside PECL's own.
$repeated = client($key, $secret, OAUTH_SIG_METHOD_HMACSHA1, OAUTH_AUTH_TYPE_AUTHORIZATION, $rsaKeyFile);
$repeated->setToken($access['oauth_token'], $access['oauth_token_secret']);
$repeated->enableDebug();
$out['repeated_key'] = send($repeated, "$base/api/v1/me?tag=a&tag=b", [], OAUTH_HTTP_METHOD_GET);
$out['repeated_key']['client_base_string'] = $repeated->debugInfo['sbs'] ?? null;
$out['note'] = NOTE;
echo json_encode($out, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES), "\n";
