//! Inline SVG charts, pure: numbers in, markup out. A chart is an `<svg role="img">` with a
//! `<title>` and `<desc>`; the page puts the same figures in a table beside it, so the
//! picture never carries anything the table does not.
//!
//! Lines are told apart by dash pattern and width as well as colour (and the legend names the
//! pattern in words), so they survive colour blindness and black-and-white printing. A missing
//! value (a hidden week) breaks the line: each run of shown weeks is its own polyline, so no
//! segment is drawn across a week nobody may see.

use std::fmt::Write;

use clockoff_core::html::escape;

/// How a line is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stroke {
    pub colour: &'static str,
    pub width: f64,
    /// An SVG `stroke-dasharray`; `None` is solid.
    pub dash: Option<&'static str>,
    /// The pattern in words, for the legend: "solid line".
    pub pattern: &'static str,
}

/// One series: a value per x position, `None` where there is nothing to show.
#[derive(Debug, Clone)]
pub struct Line {
    /// Names the series in the markup (`data-series`), for tests and styling.
    pub key: &'static str,
    pub label: String,
    pub stroke: Stroke,
    pub values: Vec<Option<f64>>,
}

/// The y axis: from 0 to `top`, a tick every `step`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub top: f64,
    pub step: f64,
}

impl Scale {
    /// From 0 to a round number at or above `max`, in 2 to 6 steps of 1, 2 or 5 times a
    /// power of ten. Nothing to show (0, negative, not finite) gives 0 to 1.
    pub fn nice(max: f64) -> Scale {
        if !max.is_finite() || max <= 1e-9 {
            return Scale {
                top: 1.0,
                step: 0.5,
            };
        }
        let raw = max / 4.0;
        let magnitude = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * magnitude)
            .find(|&s| s >= raw * (1.0 - 1e-9))
            .unwrap_or(10.0 * magnitude);
        // A hair of tolerance so 8.000000001 (float noise) does not round up to a new step.
        let steps = (max / step - 1e-9).ceil().max(1.0);
        Scale {
            top: steps * step,
            step,
        }
    }

    /// The tick values, 0 first.
    pub fn ticks(&self) -> Vec<f64> {
        let n = (self.top / self.step).round().clamp(1.0, 20.0) as usize;
        (0..=n).map(|i| i as f64 * self.step).collect()
    }
}

/// A line chart over evenly spaced x positions (weeks).
#[derive(Debug, Clone)]
pub struct LineChart<'a> {
    /// Prefix of the element ids (`{id}-title`, `{id}-desc`), unique on the page.
    pub id: &'a str,
    pub title: String,
    pub desc: String,
    /// A label per x position; shown for every few positions, the last always.
    pub x_labels: Vec<String>,
    /// Positions to shade as hidden (the unit's suppressed weeks).
    pub hidden: Vec<bool>,
    pub lines: Vec<Line>,
    pub scale: Scale,
    pub tick_label: fn(f64) -> String,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 28.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 36.0;
const PLOT_W: f64 = WIDTH - LEFT - RIGHT;
const PLOT_H: f64 = HEIGHT - TOP - BOTTOM;
/// Shading for hidden weeks: light, behind everything, explained in the legend.
pub const HIDDEN_FILL: &str = "#e6e6e6";
/// At most this many x labels, so they never overlap.
const X_LABELS: usize = 7;

/// The x of position `i` of `n`; one position sits in the middle.
fn x_at(i: usize, n: usize) -> f64 {
    if n <= 1 {
        LEFT + PLOT_W / 2.0
    } else {
        LEFT + PLOT_W * i as f64 / (n - 1) as f64
    }
}

fn y_at(v: f64, scale: Scale) -> f64 {
    let fraction = if scale.top > 0.0 {
        (v / scale.top).clamp(0.0, 1.0)
    } else {
        0.0
    };
    TOP + PLOT_H * (1.0 - fraction)
}

/// The runs of consecutive shown values, as (start index, values).
pub fn runs(values: &[Option<f64>]) -> Vec<(usize, Vec<f64>)> {
    let mut out: Vec<(usize, Vec<f64>)> = Vec::new();
    let mut open = false;
    for (i, v) in values.iter().enumerate() {
        match v.filter(|v| v.is_finite()) {
            Some(v) if open => {
                if let Some((_, run)) = out.last_mut() {
                    run.push(v);
                }
            }
            Some(v) => {
                out.push((i, vec![v]));
                open = true;
            }
            None => open = false,
        }
    }
    out
}

fn stroke_attributes(s: &Stroke) -> String {
    let mut a = format!("stroke=\"{}\" stroke-width=\"{}\"", s.colour, s.width);
    if let Some(dash) = s.dash {
        let _ = write!(a, " stroke-dasharray=\"{dash}\"");
    }
    a
}

/// The chart's `<svg>`.
pub fn line_chart(c: &LineChart) -> String {
    let n = c.x_labels.len();
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(&c.title),
        escape(&c.desc),
        id = c.id,
    );
    // Hidden weeks first, so lines and grid draw over them.
    let band = if n <= 1 {
        PLOT_W
    } else {
        PLOT_W / (n - 1) as f64
    };
    for (i, _) in c.hidden.iter().enumerate().filter(|(_, h)| **h).take(n) {
        let x = x_at(i, n);
        let (x0, x1) = (
            (x - band / 2.0).max(LEFT),
            (x + band / 2.0).min(LEFT + PLOT_W),
        );
        let _ = write!(
            out,
            "<rect class=\"hidden-week\" x=\"{x0:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{PLOT_H}\" fill=\"{HIDDEN_FILL}\"/>",
            x1 - x0
        );
    }
    for t in c.scale.ticks() {
        let y = y_at(t, c.scale);
        let (colour, width) = if t == 0.0 {
            ("#4a4a4a", 1.5)
        } else {
            ("#d0d0d0", 1.0)
        };
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"{colour}\" stroke-width=\"{width}\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"13\" fill=\"#4a4a4a\">{}</text>",
            LEFT + PLOT_W,
            LEFT - 8.0,
            y + 4.5,
            escape(&(c.tick_label)(t))
        );
    }
    let every = n.div_ceil(X_LABELS).max(1);
    for (i, label) in c.x_labels.iter().enumerate() {
        // Counted back from the latest week, so the latest is always labelled.
        if !(n - 1 - i).is_multiple_of(every) {
            continue;
        }
        let x = x_at(i, n);
        let _ = write!(
            out,
            "<line x1=\"{x:.1}\" y1=\"{y0}\" x2=\"{x:.1}\" y2=\"{}\" stroke=\"#4a4a4a\"/>\
             <text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" fill=\"#4a4a4a\">{}</text>",
            TOP + PLOT_H + 5.0,
            TOP + PLOT_H + 22.0,
            escape(label),
            y0 = TOP + PLOT_H,
        );
    }
    for line in &c.lines {
        let _ = write!(
            out,
            "<g data-series=\"{}\" fill=\"none\" {} stroke-linejoin=\"round\" stroke-linecap=\"round\">",
            line.key,
            stroke_attributes(&line.stroke)
        );
        for (start, run) in runs(&line.values[..line.values.len().min(n)]) {
            if let [v] = run[..] {
                // A lone week between hidden ones: a dot, since a one-point line draws nothing.
                let _ = write!(
                    out,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"{}\" stroke=\"none\"/>",
                    x_at(start, n),
                    y_at(v, c.scale),
                    line.stroke.colour
                );
                continue;
            }
            out.push_str("<polyline points=\"");
            for (j, v) in run.iter().enumerate() {
                if j > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{:.1},{:.1}", x_at(start + j, n), y_at(*v, c.scale));
            }
            out.push_str("\"/>");
        }
        out.push_str("</g>");
    }
    out.push_str("</svg>");
    out
}

/// The key to a line chart, as HTML (it wraps on a narrow screen, unlike SVG text): a sample
/// of each line and its label with the pattern in words, and the hidden-week shading.
pub fn legend(lines: &[Line], hidden: Option<&str>) -> String {
    let mut out = String::from("<ul class=\"legend\">");
    for l in lines {
        let _ = write!(
            out,
            "<li><svg class=\"sample\" viewBox=\"0 0 40 12\" aria-hidden=\"true\" focusable=\"false\">\
             <line x1=\"2\" y1=\"6\" x2=\"38\" y2=\"6\" {} stroke-linecap=\"round\"/></svg>{} ({})</li>",
            stroke_attributes(&l.stroke),
            escape(&l.label),
            l.stroke.pattern
        );
    }
    if let Some(text) = hidden {
        let _ = write!(
            out,
            "<li><svg class=\"sample\" viewBox=\"0 0 40 12\" aria-hidden=\"true\" focusable=\"false\">\
             <rect x=\"10\" y=\"0\" width=\"20\" height=\"12\" fill=\"{HIDDEN_FILL}\"/></svg>{}</li>",
            escape(text)
        );
    }
    out.push_str("</ul>");
    out
}

/// One horizontal bar: a share of the whole, and the words written after it.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub share: f64,
    pub value: String,
}

const BAR_WIDTH: f64 = 660.0;
const BAR_LABEL: f64 = 150.0;
const BAR_TEXT: f64 = 150.0;
const BAR_ROW: f64 = 34.0;

/// Horizontal bars on a fixed 0-100% scale (a share never looks bigger than it is), each with
/// its label before it and its value after it.
pub fn bar_chart(id: &str, title: &str, desc: &str, bars: &[Bar]) -> String {
    let area = BAR_WIDTH - BAR_LABEL - BAR_TEXT;
    let height = BAR_ROW * bars.len().max(1) as f64 + 8.0;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg class=\"chart bars\" viewBox=\"0 0 {BAR_WIDTH} {height}\" role=\"img\" \
         aria-labelledby=\"{id}-title {id}-desc\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(desc),
    );
    for (i, b) in bars.iter().enumerate() {
        let y = 4.0 + BAR_ROW * i as f64;
        let share = if b.share.is_finite() {
            b.share.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let w = area * share;
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"14\" fill=\"#1b1b1b\">{}</text>\
             <rect x=\"{BAR_LABEL}\" y=\"{:.1}\" width=\"{area}\" height=\"22\" fill=\"#f2f2f2\"/>\
             <rect class=\"bar\" x=\"{BAR_LABEL}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"22\" fill=\"#1f5fa8\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"14\" fill=\"#1b1b1b\">{}</text>",
            BAR_LABEL - 10.0,
            y + 16.0,
            escape(&b.label),
            y,
            y,
            BAR_LABEL + area + 8.0,
            y + 16.0,
            escape(&b.value),
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOLID: Stroke = Stroke {
        colour: "#1f5fa8",
        width: 3.0,
        dash: None,
        pattern: "solid line",
    };

    fn chart(values: Vec<Option<f64>>) -> String {
        let n = values.len();
        let scale = Scale::nice(values.iter().flatten().copied().fold(0.0, f64::max));
        line_chart(&LineChart {
            id: "t",
            title: "A <title>".into(),
            desc: "Desc & more".into(),
            x_labels: (0..n).map(|i| format!("w{i}")).collect(),
            hidden: values.iter().map(Option::is_none).collect(),
            lines: vec![Line {
                key: "unit",
                label: "Unit".into(),
                stroke: SOLID,
                values,
            }],
            scale,
            tick_label: |v| format!("{v} h"),
        })
    }

    #[test]
    fn scales_run_from_zero_to_a_round_top_in_a_few_steps() {
        let cases = [
            (7.3, 8.0, 2.0),
            (8.0, 8.0, 2.0),
            (10.0, 10.0, 5.0),
            (0.4, 0.4, 0.1),
            (3.0, 3.0, 1.0),
            (1.0, 1.0, 0.5),
            (46.0, 60.0, 20.0),
            (0.0, 1.0, 0.5),
            (-2.0, 1.0, 0.5),
            (f64::NAN, 1.0, 0.5),
            (f64::INFINITY, 1.0, 0.5),
        ];
        for (max, top, step) in cases {
            let s = Scale::nice(max);
            assert!((s.top - top).abs() < 1e-9, "{max}: top {} not {top}", s.top);
            assert!((s.step - step).abs() < 1e-9, "{max}: step {}", s.step);
            let ticks = s.ticks();
            assert_eq!(ticks[0], 0.0);
            assert!((ticks[ticks.len() - 1] - s.top).abs() < 1e-9);
            assert!((2..=7).contains(&ticks.len()), "{max}: {ticks:?}");
            if max.is_finite() {
                assert!(s.top >= max);
            }
        }
        for max in [0.013, 0.9, 1.5, 2.2, 5.5, 9.99, 123.0, 1e6] {
            let s = Scale::nice(max);
            assert!(s.top >= max && s.top <= max * 2.5, "{max}: {s:?}");
            assert!((2..=7).contains(&s.ticks().len()), "{max}: {s:?}");
        }
    }

    #[test]
    fn a_hidden_value_splits_the_line() {
        assert_eq!(
            runs(&[
                Some(1.0),
                Some(2.0),
                None,
                Some(3.0),
                None,
                None,
                Some(4.0),
                Some(5.0)
            ]),
            vec![(0, vec![1.0, 2.0]), (3, vec![3.0]), (6, vec![4.0, 5.0])]
        );
        assert_eq!(runs(&[None, None]), vec![]);
        assert_eq!(runs(&[Some(f64::NAN)]), vec![]);
        let svg = chart(vec![
            Some(1.0),
            Some(2.0),
            None,
            Some(3.0),
            None,
            Some(4.0),
            Some(0.0),
        ]);
        assert_eq!(svg.matches("<polyline").count(), 2, "{svg}");
        assert_eq!(svg.matches("<circle").count(), 1, "the lone week is a dot");
        assert_eq!(svg.matches("class=\"hidden-week\"").count(), 2);
    }

    #[test]
    fn zero_sits_on_the_baseline_and_the_top_on_the_top() {
        let svg = chart(vec![Some(0.0), Some(4.0)]);
        let baseline = TOP + PLOT_H;
        assert!(
            svg.contains(&format!(
                "points=\"{LEFT:.1},{baseline:.1} {:.1},{TOP:.1}\"",
                LEFT + PLOT_W
            )),
            "{svg}"
        );
        for tick in ["0 h", "1 h", "2 h", "3 h", "4 h"] {
            assert!(svg.contains(&format!(">{tick}</text>")), "{tick}");
        }
    }

    #[test]
    fn titles_are_escaped_and_named_by_the_svg() {
        let svg = chart(vec![Some(1.0)]);
        assert!(svg.starts_with("<svg class=\"chart\""));
        assert!(svg.contains("role=\"img\" aria-labelledby=\"t-title t-desc\""));
        assert!(svg.contains("<title id=\"t-title\">A &lt;title&gt;</title>"));
        assert!(svg.contains("<desc id=\"t-desc\">Desc &amp; more</desc>"));
        assert_eq!(svg.matches("<circle").count(), 1, "one week is a dot");
    }

    #[test]
    fn nothing_to_draw_draws_no_line_and_does_not_panic() {
        for values in [vec![], vec![None], vec![None, None, None]] {
            let svg = chart(values);
            assert!(!svg.contains("<polyline") && !svg.contains("<circle"));
            assert!(svg.ends_with("</svg>"));
        }
    }

    #[test]
    fn the_latest_week_is_always_labelled() {
        let svg = chart((0..52).map(|i| Some(f64::from(i))).collect());
        assert!(svg.contains(">w51</text>"));
        assert!(svg.contains(">w43</text>"), "every 8th back from the last");
        assert!(!svg.contains(">w50</text>"));
        let labels = svg.matches("text-anchor=\"middle\"").count();
        assert!(labels <= X_LABELS, "{labels} labels");
    }

    #[test]
    fn bars_are_shares_of_a_fixed_scale() {
        let svg = bar_chart(
            "b",
            "Bands",
            "d",
            &[
                Bar {
                    label: "<1 h".into(),
                    share: 0.5,
                    value: "50% (5 people)".into(),
                },
                Bar {
                    label: "none".into(),
                    share: 0.0,
                    value: "0%".into(),
                },
                Bar {
                    label: "odd".into(),
                    share: f64::NAN,
                    value: "-".into(),
                },
            ],
        );
        let area = BAR_WIDTH - BAR_LABEL - BAR_TEXT;
        assert!(svg.contains(&format!(
            "class=\"bar\" x=\"{BAR_LABEL}\" y=\"4.0\" width=\"{:.1}\"",
            area / 2.0
        )));
        assert_eq!(svg.matches("width=\"0.0\"").count(), 2);
        assert!(svg.contains(">&lt;1 h</text>"));
        assert!(bar_chart("e", "t", "d", &[]).ends_with("</svg>"));
    }

    #[test]
    fn the_legend_names_each_pattern_in_words() {
        let html = legend(
            &[Line {
                key: "unit",
                label: "Team <A>".into(),
                stroke: Stroke {
                    dash: Some("8 5"),
                    pattern: "dashed line",
                    ..SOLID
                },
                values: vec![],
            }],
            Some("hidden week"),
        );
        assert!(html.contains("stroke-dasharray=\"8 5\""));
        assert!(html.contains("Team &lt;A&gt; (dashed line)"));
        assert!(html.contains("aria-hidden=\"true\""));
        assert!(html.contains(HIDDEN_FILL) && html.contains("hidden week"));
    }
}
