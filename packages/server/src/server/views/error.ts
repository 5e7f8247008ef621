/** The page for a request a page cannot answer: what went wrong in words, never an internal message. */
import { html } from '../html.js';
import { layout, type PageContext } from './layout.js';

const WORDS: Readonly<Record<number, readonly [title: string, advice: string]>> = {
  400: ['Bad form', 'This form could not be read. Go back, reload the page and try again.'],
  403: [
    'Form expired',
    'This form has expired or did not come from this site. Go back, reload the page and try again.',
  ],
  404: ['Not found', 'There is no such page here.'],
  405: ['Not allowed', 'This page cannot be used that way.'],
  413: ['Too large', 'That was more than this page accepts.'],
  415: ['Not a form', 'This page accepts HTML forms only.'],
  429: ['Too many attempts', 'There were too many attempts. Wait a while, then try again.'],
  503: ['Unavailable', 'The service is unavailable right now. Try again in a moment.'],
};

const GENERIC_CLIENT: readonly [string, string] = ['Bad request', 'This request could not be answered.'];
const GENERIC_SERVER: readonly [string, string] = [
  'Something went wrong',
  'Something went wrong on our side; it has been logged. Try again later.',
];

/** The page for an error status (4xx or 5xx). */
export function errorPage(page: PageContext, status: number): string {
  const [title, advice] = WORDS[status] ?? (status >= 500 ? GENERIC_SERVER : GENERIC_CLIENT);
  return layout(
    title,
    page,
    html`<h1>${title}</h1>
      <div class="card">
        <p class="error" role="alert">${advice}</p>
        <p><a href="/">Home</a></p>
      </div>`,
  );
}
