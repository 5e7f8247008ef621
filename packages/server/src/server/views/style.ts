/** The stylesheet: small, readable, and usable on a phone. */
export const STYLE = `
:root { --fg: #1c2330; --muted: #5b6475; --line: #dde2ea; --accent: #1f5fbf; --bad: #b42318; --bg: #f7f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; justify-content: space-between;
  padding: .75rem 1.25rem; background: #fff; border-bottom: 1px solid var(--line); }
header nav { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; }
.brand { font-weight: 700; color: var(--fg); text-decoration: none; }
main { max-width: 52rem; margin: 0 auto; padding: 1.25rem; }
a { color: var(--accent); }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: 1rem 1.25rem; margin: 0 0 1rem; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
.hint { color: var(--muted); font-size: .9rem; font-weight: 400; }
input[type=text], input[type=password], input[type=url], textarea {
  width: 100%; padding: .5rem .6rem; border: 1px solid var(--line); border-radius: .375rem; font: inherit; }
textarea { min-height: 6rem; font-family: ui-monospace, monospace; font-size: .85rem; }
fieldset { border: 1px solid var(--line); border-radius: .375rem; margin: .75rem 0; }
fieldset label { display: inline-flex; gap: .35rem; font-weight: 400; margin: .25rem 1rem .25rem 0; }
button { font: inherit; padding: .5rem 1rem; border-radius: .375rem; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
button.link { background: none; border: 0; color: var(--accent); padding: 0; text-decoration: underline; }
form.inline { display: inline; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin-top: 1rem; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.when { white-space: nowrap; }
code, .mono { font-family: ui-monospace, monospace; font-size: .85rem; word-break: break-all; }
.notice { background: #eef4ff; border: 1px solid #c7d7f5; padding: .5rem .75rem; border-radius: .375rem; }
.error { background: #fdecea; border: 1px solid #f5c2bd; padding: .5rem .75rem; border-radius: .375rem; color: var(--bad); }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-size: .8rem; background: var(--line); }
.badge.active { background: #dcf5e3; } .badge.suspended { background: #fff1c2; } .badge.disabled { background: #fdecea; }
.scopes li { margin: .25rem 0; }
.pin { font: 700 2rem ui-monospace, monospace; letter-spacing: .2em; }
@media (max-width: 36rem) { th.optional, td.optional { display: none; } main { padding: .75rem; } }
`;
