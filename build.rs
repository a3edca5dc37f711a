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
    halo(pixmap.take_demultiplied(), size as usize)
}

/// The outline the icons get: one pixel of near-black around the drawing's silhouette, under
/// its anti-aliased edge. The glyphs' own colours are mid-toned so that they read on light
/// and on dark panels, which is also why a mid-toned panel hides them (waybar's default tray
/// is #2980b9: the moon stood at 1.2:1 on it); the outline stands out there (4.9:1). On a
/// light panel it reads as the usual dark outline; on a dark one it disappears into the
/// panel. Outside only, so a hollow (the off clock's face) stays hollow; and not beside an
/// edge already drawn dark (the override clock's rim), which is an outline already.
fn halo(rgba: Vec<u8>, size: usize) -> Vec<u8> {
    const OUTLINE: [u8; 3] = [0x10, 0x10, 0x10];
    let at = |x: usize, y: usize| (y * size + x) * 4;
    let covered = |x: usize, y: usize| rgba[at(x, y) + 3] >= 128;
    let dark = |x: usize, y: usize| rgba[at(x, y)..at(x, y) + 3].iter().all(|&c| c < 0x50);
    let outside = outside(&rgba, size);
    let mut out = rgba.clone();
    for y in 0..size {
        for x in 0..size {
            if !outside[y * size + x] {
                continue;
            }
            let mut neighbours = (y.saturating_sub(1)..=(y + 1).min(size - 1)).flat_map(|ny| {
                (x.saturating_sub(1)..=(x + 1).min(size - 1)).map(move |nx| (nx, ny))
            });
            if !neighbours.any(|(nx, ny)| covered(nx, ny) && !dark(nx, ny)) {
                continue;
            }
            // The drawing's anti-aliased edge over the outline: straight alpha, opaque.
            let i = at(x, y);
            let a = u16::from(rgba[i + 3]);
            for c in 0..3 {
                let mixed = (u16::from(rgba[i + c]) * a + u16::from(OUTLINE[c]) * (255 - a)) / 255;
                out[i + c] = mixed as u8;
            }
            out[i + 3] = 255;
        }
    }
    out
}

/// The uncovered pixels reachable from the border without crossing the drawing: outside its
/// silhouette, as against holes inside it.
fn outside(rgba: &[u8], size: usize) -> Vec<bool> {
    let open = |i: usize| rgba[i * 4 + 3] < 128;
    let mut seen = vec![false; size * size];
    let mut todo: Vec<usize> = (0..size)
        .flat_map(|k| [k, (size - 1) * size + k, k * size, k * size + size - 1])
        .collect();
    while let Some(i) = todo.pop() {
        if seen[i] || !open(i) {
            continue;
        }
        seen[i] = true;
        let (x, y) = (i % size, i / size);
        if x > 0 {
            todo.push(i - 1);
        }
        if x + 1 < size {
            todo.push(i + 1);
        }
        if y > 0 {
            todo.push(i - size);
        }
        if y + 1 < size {
            todo.push(i + size);
        }
    }
    seen
}
