<?php
// An LTI 1.1 launch signed by PECL oauth (Debian's php-oauth), as PHP tool consumers of the Moodle
// era sign one: the OAuth client with the form placement, which sends every launch parameter and
// the oauth_* ones in the POST body.
//
// Usage: php lti_pecl_launch.php LAUNCH_URL KEY SECRET PARAMS_JSON
// Prints one JSON object: the status and body of the tool's answer.

[, $url, $key, $secret, $paramsJson] = $argv;
$params = json_decode($paramsJson, true);
$params['oauth_callback'] = 'about:blank';
$oauth = new OAuth($key, $secret, OAUTH_SIG_METHOD_HMACSHA1, OAUTH_AUTH_TYPE_FORM);
$oauth->disableRedirects();
try {
    $oauth->fetch($url, $params, OAUTH_HTTP_METHOD_POST, ['Accept' => 'text/html']);
} catch (OAuthException $e) {
    // A refusal is an answer to report.
}
$info = $oauth->getLastResponseInfo();
echo json_encode(['status' => $info['http_code'] ?? 0, 'body' => $oauth->getLastResponse()], JSON_UNESCAPED_UNICODE), "\n";
