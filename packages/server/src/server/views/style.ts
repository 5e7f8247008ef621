/**
 * The stylesheet: small, readable, and usable on a phone (390 px wide without sideways scrolling:
 * long values wrap anywhere, and the problem log's table stacks its cells). Colours meet WCAG 2.1
 * AA: text 4.5:1, the borders of inputs 3:1 against their background, and a visible focus ring.
 */
export const STYLE = `
:root { --fg: #1c2330; --muted: #545d6e; --line: #dde2ea; --field: #6b7385; --accent: #1f5fbf; --bad: #b42318;
  --bg: #f7f8fa; --focus: #1f5fbf; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg);
  overflow-wrap: anywhere; }
header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; justify-content: space-between;
  padding: .75rem 1.25rem; background: #fff; border-bottom: 1px solid var(--line); }
header nav { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; }
.brand { font-weight: 700; color: var(--fg); text-decoration: none; }
main { max-width: 52rem; margin: 0 auto; padding: 1.25rem; }
a { color: var(--accent); }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.card h2 { margin-top: 0; }
h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: 1rem 1.25rem; margin: 0 0 1rem; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
.hint { color: var(--muted); font-size: .9rem; font-weight: 400; }
input[type=text], input[type=password], input[type=url], textarea {
  width: 100%; padding: .5rem .6rem; border: 1px solid var(--field); border-radius: .375rem; font: inherit; background: #fff; color: var(--fg); }
input[type=checkbox], input[type=radio] { width: 1.1rem; height: 1.1rem; margin: .2rem 0 0; accent-color: var(--accent); flex: none; }
textarea { min-height: 6rem; font-family: ui-monospace, monospace; font-size: .85rem; }
fieldset { border: 1px solid var(--field); border-radius: .375rem; margin: .75rem 0; padding: .25rem .75rem .5rem; }
legend { font-weight: 600; padding: 0 .25rem; }
.check { display: flex; gap: .5rem; align-items: flex-start; margin: .35rem 0; }
.check label { font-weight: 400; margin: 0; }
fieldset .check { display: inline-flex; margin-right: 1.25rem; }
button, a.button { display: inline-block; font: inherit; padding: .5rem 1rem; border-radius: .375rem; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; line-height: 1.5; }
button.secondary, a.button.secondary { background: #fff; color: var(--accent); }
button.danger, a.button.danger { background: var(--bad); border-color: var(--bad); color: #fff; }
button.small { padding: .15rem .6rem; font-size: .9rem; }
button.link { background: none; border: 0; color: var(--accent); padding: 0; text-decoration: underline; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
input:focus-visible, textarea:focus-visible { outline-offset: 0; }
button.danger:focus-visible, a.button.danger:focus-visible { outline-color: var(--fg); }
form.inline { display: inline; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-top: 1rem; }
dl.facts { display: grid; grid-template-columns: minmax(8rem, max-content) minmax(0, 1fr); gap: .4rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; min-width: 0; }
.copyable { display: flex; flex-wrap: wrap; gap: .25rem .75rem; align-items: center; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.when { white-space: nowrap; }
tr.accepted td { background: #f1f8f3; }
code, .mono { font-family: ui-monospace, monospace; font-size: .85rem; word-break: break-all; }
code.base-string { display: block; background: var(--bg); border: 1px solid var(--line); border-radius: .25rem; padding: .4rem .5rem; }
mark { background: #ffe08a; color: var(--fg); outline: 2px solid #b45309; }
.notice { background: #eef4ff; border: 1px solid #c7d7f5; padding: .5rem .75rem; border-radius: .375rem; }
.error { background: #fdecea; border: 1px solid #f5c2bd; padding: .5rem .75rem; border-radius: .375rem; color: var(--bad); }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 1rem; font-size: .8rem; background: var(--line); }
.badge.active { background: #dcf5e3; } .badge.suspended { background: #fff1c2; } .badge.disabled { background: #fdecea; }
.scopes li { margin: .25rem 0; }
.pin { font: 700 2rem ui-monospace, monospace; letter-spacing: .2em; }
@media (max-width: 36rem) {
  th.optional, td.optional { display: none; }
  main { padding: .75rem; }
  .card { padding: .75rem; }
  dl.facts { grid-template-columns: minmax(0, 1fr); gap: .1rem; }
  dl.facts dd { margin-bottom: .5rem; }
  table.stacked thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.stacked tr, table.stacked td { display: block; }
  table.stacked td { border-bottom: 0; padding: .15rem 0; }
  table.stacked tr { border-bottom: 1px solid var(--line); padding: .5rem 0; }
}
`;
