<?php
// A small OAuth 1.0a provider built on PECL oauth's OAuthProvider (Debian's php-oauth, written in
// C), for testing Countersign's client against an implementation that is not ours. Run it with
// PHP's built-in server:
//
//   OAUTH_KEY=… OAUTH_SECRET=… OAUTH_STATE=DIR php -S 127.0.0.1:PORT pecl_provider.php
//
// It serves POST /request_token, GET /authorize?oauth_token=… (approves at once and answers the
// verifier as text), POST /access_token, and GET|POST /resource (echoes the decoded query and form
// parameters as JSON). Its tokens and nonces are files in OAUTH_STATE, since every request runs
// in a fresh PHP process state.

$key = getenv('OAUTH_KEY');
$secret = getenv('OAUTH_SECRET');
$state = getenv('OAUTH_STATE');

/** A token's record (secret, verifier, kind), or null. */
function token_record(string $dir, string $token): ?array {
    if (!preg_match('/^[0-9a-f]{32}$/', $token)) return null;
    $file = "$dir/token-$token.json";
    return is_file($file) ? json_decode(file_get_contents($file), true) : null;
}

function save_token(string $dir, string $token, array $record): void {
    file_put_contents("$dir/token-$token.json", json_encode($record));
}

function reply(int $status, string $body, string $type = 'application/x-www-form-urlencoded'): void {
    http_response_code($status);
    header("Content-Type: $type");
    echo $body;
}

$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);

if ($path === '/authorize') {
    $token = $_GET['oauth_token'] ?? '';
    $record = token_record($state, $token);
    if ($record === null || $record['kind'] !== 'request') {
        reply(404, 'unknown request token', 'text/plain');
        return;
    }
    $record['verifier'] = bin2hex(random_bytes(8));
    save_token($state, $token, $record);
    reply(200, $record['verifier'], 'text/plain');
    return;
}

$provider = new OAuthProvider();
$provider->consumerHandler(function ($p) use ($key, $secret) {
    if ($p->consumer_key !== $key) return OAUTH_CONSUMER_KEY_UNKNOWN;
    $p->consumer_secret = $secret;
    return OAUTH_OK;
});
$provider->timestampNonceHandler(function ($p) use ($state) {
    if (abs(time() - (int) $p->timestamp) > 300) return OAUTH_BAD_TIMESTAMP;
    // A nonce is used once: creating its file fails if it exists.
    $file = "$state/nonce-" . hash('sha256', $p->consumer_key . "\n" . $p->timestamp . "\n" . $p->nonce);
    $handle = @fopen($file, 'x');
    if ($handle === false) return OAUTH_BAD_NONCE;
    fclose($handle);
    return OAUTH_OK;
});
$provider->tokenHandler(function ($p) use ($state, $path) {
    $record = token_record($state, $p->token);
    $wanted = $path === '/access_token' ? 'request' : 'access';
    if ($record === null || $record['kind'] !== $wanted) return OAUTH_TOKEN_REJECTED;
    if ($wanted === 'request') {
        if ($record['verifier'] === null || !hash_equals($record['verifier'], (string) $p->verifier)) {
            return OAUTH_VERIFIER_INVALID;
        }
    }
    $p->token_secret = $record['secret'];
    return OAUTH_OK;
});
if ($path === '/request_token') $provider->isRequestTokenEndpoint(true);

try {
    $provider->checkOAuthRequest();
} catch (OAuthException $e) {
    reply(401, OAuthProvider::reportProblem($e, false));
    return;
}

if ($path === '/request_token') {
    $token = bin2hex(random_bytes(16));
    $tokenSecret = bin2hex(random_bytes(16));
    save_token($state, $token, ['kind' => 'request', 'secret' => $tokenSecret, 'verifier' => null]);
    reply(200, http_build_query([
        'oauth_token' => $token,
        'oauth_token_secret' => $tokenSecret,
        'oauth_callback_confirmed' => 'true',
    ], '', '&', PHP_QUERY_RFC3986));
} elseif ($path === '/access_token') {
    // The request token is spent.
    unlink("$state/token-{$provider->token}.json");
    $token = bin2hex(random_bytes(16));
    $tokenSecret = bin2hex(random_bytes(16));
    save_token($state, $token, ['kind' => 'access', 'secret' => $tokenSecret, 'verifier' => null]);
    reply(200, http_build_query(['oauth_token' => $token, 'oauth_token_secret' => $tokenSecret], '', '&', PHP_QUERY_RFC3986));
} elseif ($path === '/resource') {
    // Every parameter as sent, repeated keys kept: PHP's own $_GET would fold them.
    $params = [];
    $pairs = array_merge(
        explode('&', (string) parse_url($_SERVER['REQUEST_URI'], PHP_URL_QUERY)),
        explode('&', file_get_contents('php://input')),
    );
    foreach ($pairs as $pair) {
        if ($pair === '') continue;
        [$name, $value] = array_pad(explode('=', $pair, 2), 2, '');
        if (str_starts_with($name, 'oauth_')) continue;
        $params[] = [urldecode($name), urldecode($value)];
    }
    reply(200, json_encode(['params' => $params], JSON_UNESCAPED_UNICODE), 'application/json');
} else {
    reply(404, 'not found', 'text/plain');
}
