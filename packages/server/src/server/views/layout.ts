/**
 * The page frame: head, navigation for the signed-in user, flash message, the stylesheet, and on
 * pages that need it the console's script.
 */
import { type Html, html } from '../html.js';

export interface PageContext {
  readonly user?: string | undefined;
  readonly csrf: string;
}

/** What a page adds to the frame. */
export interface LayoutOptions {
  /** Whether the page loads /static/console.js (its copy buttons). */
  readonly script?: boolean;
}

export function layout(
  title: string,
  page: PageContext,
  body: Html,
  notice?: string,
  options: LayoutOptions = {},
): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Countersign</title>
        <link rel="stylesheet" href="/static/style.css" />
        ${options.script ? html`<script src="/static/console.js" defer></script>` : ''}
      </head>
      <body>
        <header>
          <a class="brand" href="/">Countersign</a>
          <nav>
            ${
              page.user
                ? html`<a href="/console">Console</a> <a href="/connections">Connections</a>
                    <a href="/account">Account</a>
                    <form method="post" action="/logout" class="inline">
                      <input type="hidden" name="_csrf" value="${page.csrf}" /><button class="link">
                        Sign out ${page.user}
                      </button>
                    </form>`
                : html`<a href="/login">Sign in</a> <a href="/signup">Sign up</a>`
            }
          </nav>
        </header>
        <main>${notice ? html`<p class="notice" role="status">${notice}</p>` : ''} ${body}</main>
      </body>
    </html>`.value;
}

/** A hidden CSRF field for a form. */
export function csrfField(page: PageContext): Html {
  return html`<input type="hidden" name="_csrf" value="${page.csrf}" />`;
}
