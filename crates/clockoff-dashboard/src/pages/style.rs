//! The one stylesheet and the document shell every dashboard page shares.
//!
//! Colours are chosen for contrast on white (text at least 4.5:1, lines and focus rings at
//! least 3:1); nothing is told apart by colour alone. Wide things (charts, week tables) scroll
//! inside their own focusable box, so the page itself fits 320 px. Print drops the navigation
//! and lets charts shrink to the page.

use std::fmt::Write;

use clockoff_core::html::escape;

/// The unit's lines.
pub const UNIT: &str = "#1f5fa8";
/// The unit's second line (the mean beside the median).
pub const UNIT_2: &str = "#b04a12";
/// The organisation's context lines: grey, thinner, and dotted or dash-dotted.
pub const ORG: &str = "#5f5f5f";

const CSS: &str = r#"
:root { --ink: #1b1b1b; --muted: #595959; --line: #d0d0d0; --link: #1a4f8b;
        --focus: #0b57d0; --error: #a4161a; color-scheme: light; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #fff; }
.skip { position: absolute; left: -100rem; top: 0.5rem; background: #fff; padding: 0.5rem; }
.skip:focus { left: 0.5rem; }
header.site { border-bottom: 1px solid var(--line); }
header.site p, main, footer { max-width: 62rem; margin: 0 auto; padding: 0.5rem 1rem; }
header.site p { font-weight: 600; }
main { padding-bottom: 2rem; }
footer { color: var(--muted); font-size: 0.9rem; }
footer p { border-top: 1px solid var(--line); padding-top: 0.5rem; max-width: none; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: 0.75rem 0 0.5rem; }
h2 { font-size: 1.2rem; line-height: 1.3; margin: 2rem 0 0.5rem; padding-bottom: 0.2rem;
     border-bottom: 1px solid var(--line); }
p { margin: 0.5rem 0; max-width: 45rem; }
a { color: var(--link); text-underline-offset: 0.15em; }
a:focus-visible, button:focus-visible, input:focus-visible, [tabindex]:focus-visible {
  outline: 3px solid var(--focus); outline-offset: 2px; }
.lede, .muted { color: var(--muted); }
nav.views ul { list-style: none; padding: 0; margin: 0.5rem 0; display: flex; flex-wrap: wrap;
               gap: 0.5rem 1.25rem; }
nav.views a[aria-current] { color: var(--ink); font-weight: 700; text-decoration: none;
                            border-bottom: 3px solid var(--ink); }
figure { margin: 0.75rem 0; }
.scroll { overflow-x: auto; }
.scroll.newest { direction: rtl; }
.scroll.newest > * { direction: ltr; }
svg.chart { display: block; width: 100%; height: auto; min-width: 36rem; }
svg.chart.bars { min-width: 30rem; max-width: 44rem; }
.hint { display: none; font-size: 0.9rem; }
ul.legend { list-style: none; padding: 0; margin: 0.25rem 0 0; display: flex; flex-wrap: wrap;
            gap: 0.25rem 1.5rem; font-size: 0.95rem; }
ul.legend svg.sample { width: 2.5rem; height: 0.75rem; vertical-align: middle;
                       margin-right: 0.35rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0;
          max-width: calc(100vw - 2rem); }
th, td { text-align: left; padding: 0.3rem 0.5rem; border-bottom: 1px solid var(--line);
         vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); vertical-align: bottom; }
thead th.n { white-space: normal; }
/* In a table wider than the screen, the row headers (the week, the unit) stay in view. */
.scroll th:first-child { position: sticky; left: 0; background: #fff; }
tbody th { font-weight: normal; white-space: nowrap; }
.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.hidden { color: var(--muted); font-style: italic; }
form.sign-in { max-width: 24rem; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input[type=password] { display: block; width: 100%; font: inherit; padding: 0.5rem;
                       margin-top: 0.25rem; border: 2px solid var(--muted); border-radius: 4px; }
input[aria-invalid=true] { border-color: var(--error); }
button { font: inherit; margin-top: 1rem; padding: 0.5rem 1.25rem; color: #fff;
         background: var(--link); border: 2px solid var(--link); border-radius: 4px; }
.error { color: var(--error); font-weight: 600; border-left: 4px solid var(--error);
         padding-left: 0.5rem; }
@media (max-width: 40rem) {
  body { font-size: 15px; }
  th, td { padding: 0.25rem 0.3rem; }
  .hint { display: block; }
}
@media print {
  body { font-size: 10.5pt; }
  .skip, header.site, nav.views { display: none; }
  main, footer { max-width: none; padding: 0; }
  svg.chart, svg.chart.bars { min-width: 0; }
  .scroll { overflow: visible; }
  .scroll th:first-child { position: static; }
  .hint { display: none; }
  h2, h2 + p { break-after: avoid; }
  figure, tr { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// A whole page: `main` is the page's own HTML (trusted, already escaped); `title` is text.
/// The policy forbids every fetch, script and frame: the pages need none, so a mistake (or an
/// injected tag) cannot reach the network.
pub fn document(title: &str, main: &str) -> String {
    let mut out = String::with_capacity(CSS.len() + main.len() + 1024);
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"robots\" content=\"noindex, nofollow\">\n\
         <title>{title} - clockoff team dashboard</title>\n<style>{CSS}</style>\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#main\">Skip to the page's content</a>\n\
         <header class=\"site\"><p>clockoff team dashboard</p></header>\n\
         <main id=\"main\">\n{main}</main>\n\
         <footer><p>clockoff shows trends for groups, never for one person. Workers' laptops \
         send only weekly totals the worker can preview; no name is kept.</p></footer>\n\
         </body>\n</html>\n",
        title = escape(title),
    );
    out
}
