/** The home page: what this server is and where to go. */
import { html } from '../html.js';
import { layout, type PageContext } from './layout.js';

export function homePage(page: PageContext, baseUrl: string): string {
  return layout(
    'Home',
    page,
    html`<h1>An OAuth 1.0a provider</h1>
      <div class="card">
        <p>
          Register an application in the <a href="/console">developer console</a> to get a consumer key and
          secret, then point any OAuth 1.0a client at:
        </p>
        <table>
          <tr>
            <td>Temporary credentials</td>
            <td><code>POST ${baseUrl}/oauth/initiate</code></td>
          </tr>
          <tr>
            <td>Resource owner authorization</td>
            <td><code>${baseUrl}/oauth/authorize</code></td>
          </tr>
          <tr>
            <td>Token credentials</td>
            <td><code>POST ${baseUrl}/oauth/token</code></td>
          </tr>
          <tr>
            <td>Sample API</td>
            <td>
              <code>GET ${baseUrl}/api/v1/me</code>, <code>GET|POST ${baseUrl}/api/v1/notes</code>,
              <code>DELETE ${baseUrl}/api/v1/notes/:id</code>
            </td>
          </tr>
        </table>
        <p>
          Every refused request says exactly what is wrong: its <code>oauth_problem</code> comes in the
          <code>WWW-Authenticate</code> header and in the body, and the console lists each application's
          recent problems with the base string the server computed.
        </p>
      </div>
      ${page.user ? html`<p>You are signed in as ${page.user}. See your <a href="/connections">connections</a>.</p>` : html`<p><a href="/signup">Create an account</a> or <a href="/login">sign in</a>.</p>`}`,
  );
}
