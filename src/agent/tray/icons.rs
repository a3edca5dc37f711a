//! The tray icon's pixmaps: our own drawings, one per state, shipped as SVG in `assets/icons/`
//! and rendered by `build.rs` to 32×32 straight (non-premultiplied) RGBA8, the form
//! `tray_icon::Icon::from_rgba` takes. No icon theme, no decoder at run time.
//!
//! The glyphs differ by shape, not by colour alone, and each is a mid-luminance body with
//! white or dark detail, so it reads on light and dark panels alike (the tests check both).

/// Width and height of every pixmap, in pixels (16 px panels at 2×, or 32 px panels).
pub const SIZE: u32 = 32;

/// Which picture the tray shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Glyph {
    /// Within working hours: a clock.
    Working,
    /// Outside hours, holding nothing (yet): a hollow, grey clock.
    Off,
    /// Outside hours, holding notifications or sync: a moon.
    Holding,
    /// Working by choice out of hours: an amber clock with a plus (extra time).
    Override,
    /// On the on-call rota: a bell.
    OnCall,
    /// On leave or a bank holiday: a sun.
    Away,
}

/// The pixmap `build.rs` rendered from `assets/icons/NAME.svg`.
macro_rules! pixmap {
    ($name:literal) => {
        include_bytes!(concat!(env!("OUT_DIR"), "/", $name, ".rgba"))
    };
}

impl Glyph {
    pub const ALL: [Glyph; 6] = [
        Glyph::Working,
        Glyph::Off,
        Glyph::Holding,
        Glyph::Override,
        Glyph::OnCall,
        Glyph::Away,
    ];

    /// `SIZE`×`SIZE` pixels, straight RGBA8, row by row from the top left.
    pub fn rgba(self) -> &'static [u8] {
        match self {
            Glyph::Working => pixmap!("working"),
            Glyph::Off => pixmap!("off"),
            Glyph::Holding => pixmap!("holding"),
            Glyph::Override => pixmap!("override"),
            Glyph::OnCall => pixmap!("on-call"),
            Glyph::Away => pixmap!("away"),
        }
    }

    /// The SVG's file stem, also usable as an icon name.
    pub fn name(self) -> &'static str {
        match self {
            Glyph::Working => "working",
            Glyph::Off => "off",
            Glyph::Holding => "holding",
            Glyph::Override => "override",
            Glyph::OnCall => "on-call",
            Glyph::Away => "away",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clockoff_testrig::colour::contrast;

    const PIXELS: usize = (SIZE * SIZE) as usize;
    /// The light and dark panels the icons must read on.
    const LIGHT: [u8; 3] = [0xf2, 0xf2, 0xf2];
    const DARK: [u8; 3] = [0x1e, 0x1e, 0x1e];
    /// Mid-toned panels, where the glyphs' own colours cannot stand out: waybar's default
    /// tray (Debian's /etc/xdg/waybar/style.css), a mid grey, and a saturated green.
    const MID: [[u8; 3]; 3] = [[0x29, 0x80, 0xb9], [0x80, 0x80, 0x80], [0x3d, 0x8b, 0x40]];

    /// Which pixels are at least half covered.
    fn mask(glyph: Glyph) -> Vec<bool> {
        glyph.rgba().chunks_exact(4).map(|p| p[3] >= 128).collect()
    }

    /// Straight-alpha "over": what the panel shows for this pixel.
    fn over(p: &[u8], bg: [u8; 3]) -> [u8; 3] {
        let a = f64::from(p[3]) / 255.0;
        std::array::from_fn(|i| (f64::from(p[i]) * a + f64::from(bg[i]) * (1.0 - a)).round() as u8)
    }

    #[test]
    fn every_glyph_has_a_full_pixmap_and_its_own_name() {
        let mut names = std::collections::HashSet::new();
        for glyph in Glyph::ALL {
            assert_eq!(glyph.rgba().len(), PIXELS * 4, "{glyph:?}");
            assert!(names.insert(glyph.name()), "{glyph:?} shares its name");
        }
    }

    #[test]
    fn every_glyph_covers_a_good_part_of_its_square() {
        for glyph in Glyph::ALL {
            let covered = mask(glyph).iter().filter(|&&m| m).count();
            assert!(
                covered * 100 >= PIXELS * 25,
                "{glyph:?} covers only {covered} of {PIXELS} pixels"
            );
        }
    }

    #[test]
    fn straight_alpha_not_premultiplied() {
        // A premultiplied pixmap has no channel above its alpha; anti-aliased edges of a
        // white or bright detail would then look dark. At least one glyph has such pixels.
        let unpremultiplied = Glyph::ALL.iter().any(|g| {
            g.rgba()
                .chunks_exact(4)
                .any(|p| p[3] > 0 && p[3] < 255 && p[..3].iter().any(|&c| c > p[3]))
        });
        assert!(unpremultiplied);
    }

    #[test]
    fn glyphs_differ_by_shape_not_only_colour() {
        // Compare the coverage masks only, as a colour-blind user (or a monochrome panel)
        // would see them.
        for (i, &a) in Glyph::ALL.iter().enumerate() {
            for &b in &Glyph::ALL[i + 1..] {
                let (ma, mb) = (mask(a), mask(b));
                let differ = ma.iter().zip(&mb).filter(|(x, y)| x != y).count();
                let union = ma.iter().zip(&mb).filter(|(x, y)| **x || **y).count();
                assert!(
                    differ * 100 >= union * 20,
                    "{a:?} and {b:?} differ in only {differ} of {union} pixels"
                );
            }
        }
    }

    #[test]
    fn every_glyph_reads_on_light_and_dark_panels() {
        for glyph in Glyph::ALL {
            for (panel, bg) in [("light", LIGHT), ("dark", DARK)] {
                let pixels: Vec<_> = glyph
                    .rgba()
                    .chunks_exact(4)
                    .filter(|p| p[3] >= 128)
                    .collect();
                let clear = pixels
                    .iter()
                    .filter(|p| contrast(over(p, bg), bg) >= 3.0)
                    .count();
                assert!(
                    clear * 100 >= pixels.len() * 40,
                    "{glyph:?} on a {panel} panel: only {clear} of {} pixels stand out 3:1",
                    pixels.len()
                );
            }
        }
    }

    #[test]
    fn every_glyph_keeps_its_outline_on_mid_toned_panels() {
        let px = SIZE as usize;
        for glyph in Glyph::ALL {
            let rgba = glyph.rgba();
            let solid = |x: usize, y: usize| rgba[(y * px + x) * 4 + 3] == 255;
            // The silhouette's outer edge, seen from outside: the first and last solid pixel
            // of every row and every column (anti-aliased pixels are the way in to it).
            let mut edge = std::collections::BTreeSet::new();
            for k in 0..px {
                let row: Vec<usize> = (0..px).filter(|&x| solid(x, k)).collect();
                let column: Vec<usize> = (0..px).filter(|&y| solid(k, y)).collect();
                for x in [row.first(), row.last()].into_iter().flatten() {
                    edge.insert((*x, k));
                }
                for y in [column.first(), column.last()].into_iter().flatten() {
                    edge.insert((k, *y));
                }
            }
            for bg in MID {
                let clear = edge
                    .iter()
                    .filter(|&&(x, y)| {
                        let i = (y * px + x) * 4;
                        contrast(over(&rgba[i..i + 4], bg), bg) >= 3.0
                    })
                    .count();
                assert!(
                    clear * 100 >= edge.len() * 90,
                    "{glyph:?} on a #{:02x}{:02x}{:02x} panel: only {clear} of its {} outer edge \
                     pixels stand out 3:1",
                    bg[0],
                    bg[1],
                    bg[2],
                    edge.len()
                );
            }
        }
    }
}
