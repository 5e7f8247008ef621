# Requests to a Countersign server made by Perl's Net::OAuth (Debian's libnet-oauth-perl): the
# three-legged dance, then signed resource requests with HMAC-SHA1 and HMAC-SHA256, their
# parameters in the Authorization header, in the query and in a form body, and a two-legged request.
#
# Usage: perl perl_client.pl BASE_URL APPROVE_URL KEY SECRET
# APPROVE_URL?token=... approves a request token for the test's user and answers its verifier.
# Prints one JSON object: for each case, the status and the decoded response.
use strict;
use warnings;
use utf8;
use Encode qw(encode_utf8);
use HTTP::Tiny;
use JSON::PP;
use Net::OAuth;
$Net::OAuth::PROTOCOL_VERSION = Net::OAuth::PROTOCOL_VERSION_1_0A;

my ($base, $approve, $key, $secret) = @ARGV;
my $http = HTTP::Tiny->new;
my $json = JSON::PP->new->utf8->canonical;
my $NOTE = 'perl: 100% ~ + & = é';
my %AWKWARD = (q => 'hello world', plus => 'a+b', tilde => '~user', pct => '100%', utf => 'café 日', empty => '');

sub nonce { join '', map { ('a' .. 'z', 0 .. 9)[ rand 36 ] } 1 .. 32 }

sub form_decode {
    my %pairs;
    for (split /&/, shift) {
        my ($name, $value) = split /=/, $_, 2;
        $value =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
        $pairs{$name} = $value;
    }
    return \%pairs;
}

sub answer {
    my ($response) = @_;
    my $body = eval { $json->decode($response->{content}) } // $response->{content};
    return { status => 0 + $response->{status}, body => $body };
}

# A signed request of `type`, its parameters sent in `placement`; returns the response.
sub send_signed {
    my ($type, $method, $path, $placement, %args) = @_;
    my $request = Net::OAuth->request($type)->new(
        consumer_key     => $key,
        consumer_secret  => $secret,
        request_url      => "$base$path",
        request_method   => $method,
        signature_method => $args{signature_method} // 'HMAC-SHA1',
        timestamp        => time,
        nonce            => nonce(),
        %{ $args{oauth} // {} },
        (exists $args{extra} ? (extra_params => $args{extra}) : ()),
    );
    $request->sign;
    my %params = %{ $args{extra} // {} };
    my $form = join '&', map { uri_encode($_) . '=' . uri_encode($params{$_}) } sort keys %params;
    my %as_form = (headers => { 'Content-Type' => 'application/x-www-form-urlencoded' });
    if ($placement eq 'header') {
        my $authorization = { Authorization => $request->to_authorization_header };
        return $http->request($method, "$base$path" . ($form ne '' ? "?$form" : ''), { headers => $authorization })
          if $method eq 'GET';
        return $http->request($method, "$base$path",
            { headers => { %$authorization, %{ $as_form{headers} } }, content => $form });
    }
    return $http->request($method, $request->to_url) if $placement eq 'query';
    return $http->request($method, "$base$path", { %as_form, content => $request->to_post_body });
}

sub uri_encode {
    my $text = encode_utf8(shift);
    $text =~ s/([^A-Za-z0-9\-._~])/sprintf '%%%02X', ord $1/ge;
    return $text;
}

my %out;
my $response = send_signed('request token', 'POST', '/oauth/initiate', 'header', oauth => { callback => 'oob' });
my $request_token = form_decode($response->{content});
$out{initiate} = { confirmed => $request_token->{oauth_callback_confirmed} };
my $verifier = $http->get("$approve?token=" . uri_encode($request_token->{oauth_token}))->{content};
$response = send_signed('access token', 'POST', '/oauth/token', 'header', oauth => {
    token => $request_token->{oauth_token}, token_secret => $request_token->{oauth_token_secret}, verifier => $verifier,
});
my $access = form_decode($response->{content});
$out{exchange} = { token => ($access->{oauth_token} ? JSON::PP::true : JSON::PP::false),
                   secret => ($access->{oauth_token_secret} ? JSON::PP::true : JSON::PP::false) };

my %token = (token => $access->{oauth_token}, token_secret => $access->{oauth_token_secret});
for my $method ('HMAC-SHA1', 'HMAC-SHA256') {
    for my $placement ('header', 'query', 'body') {
        # A GET has no body to carry the protocol parameters in.
        my $get = $placement eq 'body' ? undef : answer(send_signed('protected resource', 'GET', '/api/v1/me', $placement,
            signature_method => $method, oauth => \%token, extra => \%AWKWARD));
        my $post = answer(send_signed('protected resource', 'POST', '/api/v1/notes', $placement,
            signature_method => $method, oauth => \%token, extra => { text => $NOTE }));
        $out{"$method $placement"} = { get => $get, post => $post };
    }
}
$out{two_legged} = answer(send_signed('consumer', 'GET', '/api/v1/me', 'query', extra => { lti => '1' }));
$out{note} = $NOTE;
print $json->encode(\%out), "\n";
