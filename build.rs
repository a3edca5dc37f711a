//! Renders the tray icons in `assets/icons/*.svg` to raw pixmaps in `OUT_DIR`.
//!
//! Why at build time: the tray takes one straight-RGBA pixmap per icon
//! (`tray_icon::Icon::from_rgba`), and the agent must not need an icon theme, an image decoder
//! or an SVG renderer at run time. The SVGs stay the source of truth (reviewable, editable);
//! the binary carries only the few kilobytes of pixels.
//!
//! For each `NAME.svg` this writes `NAME.rgba` (32×32, what the tray ships; HiDPI panels show
//! it at 2× of the usual 16 px) and `NAME-16.rgba` (16×16, rendered directly, only for the
//! `icon_sheet` example to compare against the downscaled 32 px one).

use std::path::Path;

use resvg::{tiny_skia, usvg};

const DIR: &str = "assets/icons";
/// Every icon is drawn on a 16-unit grid so its edges land on whole pixels at 16 and 32 px.
const VIEWBOX: f32 = 16.0;

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rerun-if-changed={DIR}");
    // The agent, which idles all day, links as a non-PIE executable: its tables (chrono-tz's
    // zone abbreviations, mostly) then need no relocation at start, which would make 1.2 MiB
    // of them private and dirty (docs/benchmarks.md). The command line stays PIE: it is the
    // helper that parses what comes back from the network, and it lives for milliseconds.
    println!("cargo:rustc-link-arg-bin=clockoff-agent=-no-pie");
    let mut svgs: Vec<_> = std::fs::read_dir(DIR)
        .unwrap_or_else(|e| panic!("cannot read {DIR}: {e}"))
        .map(|entry| entry.expect("readable entry in assets/icons").path())
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    svgs.sort();
    for svg in &svgs {
        println!("cargo:rerun-if-changed={}", svg.display());
        let stem = svg.file_stem().unwrap().to_string_lossy();
        let tree = parse(svg);
        for (size, suffix) in [(32, ""), (16, "-16")] {
            let dest = Path::new(&out).join(format!("{stem}{suffix}.rgba"));
            std::fs::write(&dest, render(&tree, size))
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
        }
    }
}

/// Fails the build, naming the file, when an icon does not parse or is off the 16-unit grid.
fn parse(svg: &Path) -> usvg::Tree {
    let data = std::fs::read(svg).unwrap_or_else(|e| panic!("cannot read {}: {e}", svg.display()));
    // Default options: the icons use no text and no images, and the crate is built without
    // fonts or raster formats, so nothing here reaches the file system or the fonts.
    let tree = usvg::Tree::from_data(&data, &usvg::Options::default())
        .unwrap_or_else(|e| panic!("{} is not a valid SVG: {e}", svg.display()));
    let size = tree.size();
    assert!(
        size.width() == VIEWBOX && size.height() == VIEWBOX,
        "{} is {}x{}; tray icons are drawn at 16x16 (viewBox=\"0 0 16 16\")",
        svg.display(),
        size.width(),
        size.height()
    );
    tree
}

/// tiny-skia renders premultiplied RGBA; the tray wants straight (non-premultiplied) RGBA8.
fn render(tree: &usvg::Tree, size: u32) -> Vec<u8> {
    let mut pixmap = tiny_skia::Pixmap::new(size, size).expect("non-zero size");
    let scale = size as f32 / VIEWBOX;
    resvg::render(
        tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.take_demultiplied()
}
