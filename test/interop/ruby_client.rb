# Requests to a Countersign server made by the Ruby oauth gem (Debian's ruby-oauth, the library
# twurl is built on): the three-legged dance, then signed resource requests with the parameters in
# the Authorization header, in the query and in a form body, and a two-legged request.
#
# Usage: ruby ruby_client.rb BASE_URL APPROVE_URL KEY SECRET
# APPROVE_URL?token=... approves a request token for the test's user and answers its verifier.
# Prints one JSON object: for each case, the status and the decoded response.
require 'json'
require 'net/http'
require 'oauth'

base, approve, key, secret = ARGV
NOTE = 'ruby: 100% ~ + & = é'
AWKWARD = 'q=hello%20world&plus=a%2Bb&tilde=~user&pct=100%25&utf=caf%C3%A9%20%E6%97%A5&tag=a&tag=b&empty='

def answer(response)
  { status: response.code.to_i, body: (JSON.parse(response.body) rescue response.body) }
end

out = {}
dance = OAuth::Consumer.new(key, secret, site: base, request_token_path: '/oauth/initiate',
                                         access_token_path: '/oauth/token', scheme: :header)
request = dance.get_request_token(oauth_callback: 'oob')
out[:initiate] = { confirmed: request.callback_confirmed? }
verifier = Net::HTTP.get(URI("#{approve}?token=#{URI.encode_www_form_component(request.token)}"))
access = request.get_access_token(oauth_verifier: verifier)
out[:exchange] = { token: !access.token.to_s.empty?, secret: !access.secret.to_s.empty? }

# The gem's :body scheme puts a GET's parameters in a body it then half fills; a GET is only sent
# with the other two.
{ header: :header, query: :query_string, body: :body }.each do |placement, scheme|
  consumer = OAuth::Consumer.new(key, secret, site: base, scheme: scheme)
  token = OAuth::AccessToken.new(consumer, access.token, access.secret)
  get = placement == :body ? nil : answer(token.get("/api/v1/me?#{AWKWARD}"))
  post = answer(token.post('/api/v1/notes', { 'text' => NOTE }))
  out[placement] = { get: get, post: post }
end

two = OAuth::Consumer.new(key, secret, site: base, scheme: :header)
out[:two_legged] = answer(two.request(:get, '/api/v1/me?lti=1'))
out[:note] = NOTE
puts JSON.generate(out)
