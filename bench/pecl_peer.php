<?php
// Peer benchmark: PECL oauth's OAuthProvider::checkOAuthRequest verifying signed requests with
// unique nonces, a new provider per request as a PHP application does. Signing happens before timing.
// Usage: php pecl_peer.php N   — prints one JSON line {"ops_per_sec": …}.
$n = (int) $argv[1];
$key = str_repeat('k', 32); $secret = str_repeat('s', 32);
$token = str_repeat('t', 32); $tokenSecret = str_repeat('u', 32);
$uri = 'http://127.0.0.1:3000/api/v1/me';

$client = new OAuth($key, $secret, OAUTH_SIG_METHOD_HMACSHA1, OAUTH_AUTH_TYPE_AUTHORIZATION);
$client->setToken($token, $tokenSecret);
$requests = [];
for ($i = 0; $i < $n; $i++) {
    $nonce = sprintf('nonce%08d', $i);
    $timestamp = (string) time();
    $client->setNonce($nonce);
    $client->setTimestamp($timestamp);
    $params = [
        'oauth_consumer_key' => $key, 'oauth_token' => $token, 'oauth_signature_method' => 'HMAC-SHA1',
        'oauth_timestamp' => $timestamp, 'oauth_nonce' => $nonce, 'oauth_version' => '1.0', 'format' => 'json',
    ];
    $params['oauth_signature'] = $client->generateSignature('GET', $uri . '?format=json');
    $requests[] = $params;
}

$seen = [];
$ok = 0;
$start = hrtime(true);
foreach ($requests as $params) {
    $provider = new OAuthProvider($params);
    $provider->consumerHandler(function ($p) use ($secret) { $p->consumer_secret = $secret; return OAUTH_OK; });
    $provider->tokenHandler(function ($p) use ($tokenSecret) { $p->token_secret = $tokenSecret; return OAUTH_OK; });
    $provider->timestampNonceHandler(function ($p) use (&$seen) {
        $k = $p->consumer_key . "\n" . $p->token . "\n" . $p->timestamp . "\n" . $p->nonce;
        if (isset($seen[$k])) return OAUTH_BAD_NONCE;
        $seen[$k] = true;
        return OAUTH_OK;
    });
    try {
        $provider->checkOAuthRequest($uri . '?format=json', OAUTH_HTTP_METHOD_GET);
        $ok++;
    } catch (OAuthException $e) {
    }
}
$elapsed = (hrtime(true) - $start) / 1e9;
echo json_encode(['ops_per_sec' => $n / $elapsed, 'valid' => $ok]), "\n";
