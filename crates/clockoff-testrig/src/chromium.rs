//! Headless Chromium for pages the project renders (the export report, the dashboard's
//! pages): run as the rig runs it, keep screenshots and PDFs as artefacts, and read its net
//! log for any request a page made.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// target/tmp/artefacts: screenshots and PDFs kept after the test for a person to look at.
pub fn artefacts() -> PathBuf {
    let dir = super::process::target_dir().join("tmp/artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// How every test runs Chromium: headless, quiet (no first-run, sync, component updates or
/// background fetches, so the only requests are the page's), the same pixels everywhere.
pub const HEADLESS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// Headless Chromium as the rig runs it: no sandbox (root), no background traffic, its own
/// profile, and a log of every request it makes. It runs on the machine's real clock, even
/// when `scripts/test-dates` moves the test's: under libfaketime Chromium slows down so far
/// that its DevTools connection times out, and it renders what it is given either way.
pub fn chromium(chrome: &Path, profile: &Path, netlog: &Path, args: &[&str], page: &Path) {
    let out = Command::new(chrome)
        .env_remove("LD_PRELOAD")
        .args(HEADLESS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// URLs a file:// page asked for, other than files: requests in the net log made on behalf
/// of the page's (file://) site, by their network isolation key.
pub fn page_requests(netlog: &Path) -> Vec<String> {
    let log: Value = serde_json::from_str(&std::fs::read_to_string(netlog).unwrap())
        .expect("the net log is JSON");
    let mut urls: Vec<String> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["params"])
        .filter(|p| {
            p["network_isolation_key"]
                .as_str()
                .is_some_and(|k| k.starts_with("file://"))
        })
        .filter_map(|p| p["url"].as_str())
        .filter(|url| !url.starts_with("file:") && !url.starts_with("data:"))
        .map(str::to_owned)
        .collect();
    urls.dedup();
    urls
}

/// Share of pixels in a PNG that are not (near) white: something was drawn.
pub fn ink(png_path: &Path) -> (u32, u32, f64) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let inked = pixels
        .chunks(channels)
        .filter(|p| p.iter().take(3).any(|c| *c < 235))
        .count();
    (
        info.width,
        info.height,
        inked as f64 / (pixels.len() / channels) as f64,
    )
}

/// `page` printed to `pdf` without header or footer (as a person would print it); the
/// file's bytes, checked to be a PDF.
pub fn print_to_pdf(
    chrome: &Path,
    profile: &Path,
    netlog: &Path,
    page: &Path,
    pdf: &Path,
) -> Vec<u8> {
    let print = format!("--print-to-pdf={}", pdf.display());
    chromium(
        chrome,
        profile,
        netlog,
        &["--no-pdf-header-footer", &print],
        page,
    );
    let printed = std::fs::read(pdf).unwrap();
    assert!(printed.starts_with(b"%PDF"), "not a PDF");
    printed
}
