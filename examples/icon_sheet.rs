//! A contact sheet of the tray icons, to look at before shipping a change to `assets/icons/`.
//!
//!     cargo run --example icon_sheet -- sheet.png [ZOOM]
//!
//! One column per glyph; a light (#f2f2f2), a dark (#1e1e1e) and a mid-toned strip (#2980b9,
//! waybar's default tray), the panels the icons must read on. Each strip has four rows: 16 px rendered directly from the SVG, then 16, 22
//! and 32 px scaled from the 32 px pixmap the agent ships (what a panel does with it). ZOOM
//! (default 1) enlarges the whole sheet pixel for pixel, to inspect edges.

use clockoff::agent::tray::icons::{Glyph, SIZE};

const PANELS: [[u8; 3]; 3] = [[0xf2, 0xf2, 0xf2], [0x1e, 0x1e, 0x1e], [0x29, 0x80, 0xb9]];
const CELL: u32 = 40;
const PAD: u32 = 4;

/// A row of the sheet: its size in pixels, and how each glyph's pixmap at that size is made.
type Row = (u32, fn(Glyph) -> Vec<u8>);

/// 16 px pixmaps that `build.rs` renders beside the shipped 32 px ones, for comparison only.
macro_rules! direct16 {
    ($name:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/", $name, "-16.rgba")).as_slice()
    };
}

fn direct16(glyph: Glyph) -> &'static [u8] {
    match glyph {
        Glyph::Working => direct16!("working"),
        Glyph::Off => direct16!("off"),
        Glyph::Holding => direct16!("holding"),
        Glyph::Override => direct16!("override"),
        Glyph::OnCall => direct16!("on-call"),
        Glyph::Away => direct16!("away"),
    }
}

/// Area-averaging downscale of a straight-RGBA square (averaged premultiplied, as a
/// compositor would), returned straight again.
fn scale(src: &[u8], from: u32, to: u32) -> Vec<u8> {
    let ratio = from as f64 / to as f64;
    // Weight of source index `s` in destination index `d` along one axis.
    let weight = |d: u32, s: u32| {
        let (lo, hi) = (d as f64 * ratio, (d + 1) as f64 * ratio);
        ((s + 1) as f64).min(hi) - (s as f64).max(lo)
    };
    let mut out = Vec::with_capacity((to * to * 4) as usize);
    for dy in 0..to {
        for dx in 0..to {
            let mut acc = [0.0f64; 4];
            let (y0, y1) = (
                (dy as f64 * ratio) as u32,
                ((dy + 1) as f64 * ratio).ceil() as u32,
            );
            let (x0, x1) = (
                (dx as f64 * ratio) as u32,
                ((dx + 1) as f64 * ratio).ceil() as u32,
            );
            for sy in y0..y1.min(from) {
                for sx in x0..x1.min(from) {
                    let w = weight(dy, sy).max(0.0) * weight(dx, sx).max(0.0);
                    let p = &src[((sy * from + sx) * 4) as usize..][..4];
                    let a = p[3] as f64 / 255.0;
                    for (i, v) in acc.iter_mut().take(3).enumerate() {
                        *v += w * p[i] as f64 * a;
                    }
                    acc[3] += w * a;
                }
            }
            let area = ratio * ratio;
            let a = acc[3] / area;
            for v in &acc[..3] {
                out.push(if a > 0.0 {
                    (v / area / a).round().min(255.0) as u8
                } else {
                    0
                });
            }
            out.push((a * 255.0).round() as u8);
        }
    }
    out
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: icon_sheet OUT.png [ZOOM]");
        std::process::exit(2);
    };
    let zoom: u32 = args
        .next()
        .map_or(1, |z| z.parse().expect("ZOOM is a whole number"));

    let rows: [Row; 4] = [
        (16, |g| direct16(g).to_vec()),
        (16, |g| scale(g.rgba(), SIZE, 16)),
        (22, |g| scale(g.rgba(), SIZE, 22)),
        (32, |g| g.rgba().to_vec()),
    ];
    let width = CELL * Glyph::ALL.len() as u32;
    let strip = CELL * rows.len() as u32;
    let height = strip * PANELS.len() as u32;
    let mut sheet = vec![0u8; (width * height * 3) as usize];

    for (p, bg) in PANELS.iter().enumerate() {
        for px in sheet[(p as u32 * strip * width * 3) as usize..][..(strip * width * 3) as usize]
            .chunks_exact_mut(3)
        {
            px.copy_from_slice(bg);
        }
        for (r, (size, pixmap)) in rows.iter().enumerate() {
            for (c, &glyph) in Glyph::ALL.iter().enumerate() {
                let icon = pixmap(glyph);
                let (ox, oy) = (
                    c as u32 * CELL + PAD,
                    p as u32 * strip + r as u32 * CELL + PAD,
                );
                for y in 0..*size {
                    for x in 0..*size {
                        let s = &icon[((y * size + x) * 4) as usize..][..4];
                        let d = &mut sheet[(((oy + y) * width + ox + x) * 3) as usize..][..3];
                        let a = s[3] as f64 / 255.0;
                        for i in 0..3 {
                            d[i] = (s[i] as f64 * a + d[i] as f64 * (1.0 - a)).round() as u8;
                        }
                    }
                }
            }
        }
    }

    let (zw, zh) = (width * zoom, height * zoom);
    let mut zoomed = Vec::with_capacity((zw * zh * 3) as usize);
    for y in 0..zh {
        for x in 0..zw {
            let i = (((y / zoom) * width + x / zoom) * 3) as usize;
            zoomed.extend_from_slice(&sheet[i..i + 3]);
        }
    }

    let file = std::fs::File::create(&path).unwrap_or_else(|e| panic!("cannot create {path}: {e}"));
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), zw, zh);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("PNG header");
    writer.write_image_data(&zoomed).expect("PNG data");
    println!("{path}: {} glyphs, {zw}x{zh}", Glyph::ALL.len());
}
