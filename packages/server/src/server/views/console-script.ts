/**
 * The console's one script, served as /static/console.js (the pages' Content-Security-Policy allows
 * scripts from the site itself, and no inline ones). It only adds to pages that work without it: a
 * copy button, hidden in the HTML, is shown where the clipboard can be written, and copies the text
 * of the element it names.
 */
export const CONSOLE_SCRIPT = `'use strict';
(() => {
  if (!navigator.clipboard || !window.isSecureContext) return;
  const status = document.querySelector('.copy-status');
  for (const button of document.querySelectorAll('button[data-copy]')) {
    const source = document.getElementById(button.dataset.copy);
    if (!source) continue;
    button.hidden = false;
    button.addEventListener('click', async () => {
      const label = button.textContent.trim();
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        if (status) status.textContent = label.replace(/^Copy the /, 'Copied the ') + '.';
      } catch {
        if (status) status.textContent = 'The browser did not let the page copy; select the text instead.';
      }
    });
  }
})();
`;
