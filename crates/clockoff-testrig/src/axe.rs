//! axe-core, the accessibility engine, run in headless Chromium over the DevTools Protocol
//! ([`super::cdp`]) on a page at a desktop and a phone width. axe-core comes from npm:
//! `scripts/test` installs the version it pins into `target/axe` when it is missing.
//!
//! A page passes with no violation of any WCAG 2.x A or AA rule, or of axe's best practices,
//! at either width. Each width's screenshot is kept as a test artefact.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::Missing;
use super::cdp::Browser;
use super::chromium::artefacts;
use super::process::target_dir;

/// The widths every page is checked at: a laptop's, and a small phone's.
pub const WIDTHS: [u32; 2] = [1280, 375];

/// Where `scripts/test` installs axe-core, or `CLOCKOFF_AXE` (a path to `axe.min.js`).
pub fn axe_core() -> Result<PathBuf, Missing> {
    let path = std::env::var_os("CLOCKOFF_AXE").map_or_else(
        || target_dir().join("axe/node_modules/axe-core/axe.min.js"),
        PathBuf::from,
    );
    if path.is_file() {
        Ok(path)
    } else {
        Err(Missing(format!(
            "axe-core ({}; scripts/test installs it from npm)",
            path.display()
        )))
    }
}

/// axe-core's source, to run in any page a test's [`Browser`] has open.
pub struct Axe {
    source: String,
}

impl Axe {
    pub fn load(axe_core: &Path) -> Axe {
        Axe {
            source: std::fs::read_to_string(axe_core).expect("read axe.min.js"),
        }
    }

    /// Loads `url` and [`Axe::check`]s it.
    pub fn check_url(&self, browser: &mut Browser, url: &str, name: &str) -> Vec<String> {
        browser.navigate(url);
        self.check(browser, name)
    }

    /// The page open now, at each of [`WIDTHS`] (the page reflows; it is not reloaded, so a
    /// form's answer can be checked too): every violation, one line each ("375 px:
    /// scrollable-region-focusable (serious): ..."). Screenshots:
    /// `<artefacts>/axe-<name>-<width>.png`. The window is left as it was.
    pub fn check(&self, browser: &mut Browser, name: &str) -> Vec<String> {
        let mut found = Vec::new();
        for width in WIDTHS {
            browser.call(
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": width, "height": 900, "deviceScaleFactor": 1,
                        "mobile": width < 600 }),
            );
            found.extend(
                self.run(browser)
                    .iter()
                    .map(|v| format!("{name} at {width} px: {}", describe(v))),
            );
            browser.screenshot(&artefacts().join(format!("axe-{name}-{width}.png")));
        }
        browser.call("Emulation.clearDeviceMetricsOverride", json!({}));
        found
    }

    /// axe's violations in the page open now, as it reports them.
    fn run(&self, browser: &mut Browser) -> Vec<Value> {
        if browser.eval("typeof axe") != "object" {
            browser.eval(&self.source);
        }
        let result = browser.call(
            "Runtime.evaluate",
            json!({
                "expression": "axe.run(document, { runOnly: { type: 'tag', values: \
                    ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })\
                    .then(r => r.violations.map(v => ({ id: v.id, impact: v.impact, \
                    help: v.help, nodes: v.nodes.map(n => n.target.join(' ')) })))",
                "awaitPromise": true,
                "returnByValue": true,
            }),
        );
        if let Some(e) = result.get("exceptionDetails") {
            panic!("axe.run: {e}");
        }
        result["result"]["value"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("axe.run returned {result}"))
    }
}

fn describe(violation: &Value) -> String {
    format!(
        "{} ({}): {}; at {}",
        violation["id"].as_str().unwrap_or("?"),
        violation["impact"].as_str().unwrap_or("?"),
        violation["help"].as_str().unwrap_or(""),
        violation["nodes"]
    )
}
