# An LTI 1.1 launch signed by Ruby's oauth gem (Debian's ruby-oauth) the way Canvas signs one: the
# gem's create_signed_request with the :body scheme, whose form body (every launch parameter and the
# oauth_* ones, oauth_callback=about:blank among them) the browser then posts to the tool.
#
# Usage: ruby lti_ruby_launch.rb LAUNCH_URL KEY SECRET PARAMS_JSON
# Prints one JSON object: the status and body of the tool's answer.
require 'json'
require 'net/http'
require 'oauth'

launch_url, key, secret, params_json = ARGV
uri = URI(launch_url)
params = JSON.parse(params_json).merge('oauth_callback' => 'about:blank')
consumer = OAuth::Consumer.new(key, secret, site: "#{uri.scheme}://#{uri.host}:#{uri.port}",
                                            signature_method: 'HMAC-SHA1')
signed = consumer.create_signed_request(:post, uri.path, nil, { scheme: 'body' }, params)
request = Net::HTTP::Post.new(uri.path, 'Content-Type' => 'application/x-www-form-urlencoded',
                                        'Accept' => 'text/html')
request.body = signed.body
response = Net::HTTP.start(uri.host, uri.port) { |http| http.request(request) }
puts JSON.generate(status: response.code.to_i, body: response.body.force_encoding('UTF-8'))
