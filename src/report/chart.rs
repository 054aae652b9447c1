//! Charts of our own, as a few shapes (rectangles, lines, text) in points with the origin at the
//! top left: written out as inline SVG for the HTML report and drawn as vector paths by the PDF
//! writer, so both show the same picture. No script, no dependency, deterministic output (the
//! same figures give the same bytes), and every text escaped.
//!
//! Label widths are estimated (0.56 em a character, DejaVu Sans's average) because a chart is
//! laid out once for two renderers; labels longer than their room are cut with an ellipsis.

use std::fmt::Write as _;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub u8, pub u8, pub u8);

impl Color {
    pub const INK: Color = Color(0x1d, 0x26, 0x33);
    pub const MUTED: Color = Color(0x5b, 0x67, 0x78);
    pub const GRID: Color = Color(0xd5, 0xdb, 0xe3);
    pub const BLUE: Color = Color(0x2f, 0x5d, 0x8c);
    pub const SKY: Color = Color(0x8d, 0xb3, 0xd9);

    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

/// The colours of the sensitivity series, in the order the stacked bars use.
pub const SENSITIVITY: [(&str, Color); 5] = [
    ("Privileged", Color(0x9e, 0x2a, 0x2b)),
    ("Potentially privileged", Color(0xe0, 0x8e, 0x79)),
    ("Confidential", Color(0x2f, 0x5d, 0x8c)),
    ("Trade secret", Color(0x6a, 0x4c, 0x93)),
    ("Needs redaction", Color(0xc7, 0x9a, 0x2e)),
];

/// Where a text's x is: its start, middle or end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// One thing drawn. Coordinates in points from the chart's top left; text `y` is its baseline.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Rect { x: f32, y: f32, w: f32, h: f32, fill: Color },
    Line { x1: f32, y1: f32, x2: f32, y2: f32, stroke: Color, width: f32 },
    Text { x: f32, y: f32, size: f32, anchor: Anchor, bold: bool, fill: Color, text: String },
}

/// A chart: its title (printed by the report above it, and the SVG's accessible name), size in
/// points, and shapes.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub title: String,
    pub width: f32,
    pub height: f32,
    pub shapes: Vec<Shape>,
}

/// A named series of values, one per category.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub color: Color,
    pub values: Vec<f64>,
}

/// A category's low–high range.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeBar {
    pub label: String,
    pub low: f64,
    pub high: f64,
}

/// Width of the charts, points: the PDF body (6.5 inches at letter with ¾-inch margins), less a little.
pub const WIDTH: f32 = 500.0;
const LABEL_PT: f32 = 8.0;
const TICK_PT: f32 = 7.0;
const LABEL_COL: f32 = 150.0;
const VALUE_ROOM: f32 = 70.0;
const LEGEND_H: f32 = 18.0;

/// Estimated width of `text` at `size` points.
pub fn text_width(text: &str, size: f32) -> f32 {
    text.chars().count() as f32 * size * 0.56
}

/// `text` cut with an ellipsis to fit `room` points at `size`.
pub fn fit(text: &str, size: f32, room: f32) -> String {
    if text_width(text, size) <= room {
        return text.to_string();
    }
    let keep = ((room / (size * 0.56)) as usize).saturating_sub(1);
    let mut s: String = text.chars().take(keep).collect();
    s.push('…');
    s
}

/// A number as the report prints it: thousands separated, at most two decimals, none when whole.
pub fn number(v: f64) -> String {
    let neg = v < 0.0;
    let v = v.abs();
    let cents = (v * 100.0).round() as u128;
    let (whole, frac) = (cents / 100, cents % 100);
    let digits = whole.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if frac != 0 {
        let _ = write!(out, ".{frac:02}");
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// A round axis maximum at or above `max` and its tick step: 1, 2 or 5 times a power of ten.
fn axis(max: f64) -> (f64, f64) {
    if max.is_nan() || max <= 0.0 {
        return (1.0, 1.0);
    }
    let raw = max / 4.0;
    let p = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * p).find(|s| *s >= raw).unwrap_or(10.0 * p);
    let step = if max >= 1.0 { step.max(1.0) } else { step };
    ((max / step).ceil() * step, step)
}

impl Chart {
    fn new(title: &str, height: f32) -> Chart {
        Chart { title: title.to_string(), width: WIDTH, height, shapes: Vec::new() }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, anchor: Anchor, fill: Color, text: String) {
        self.shapes.push(Shape::Text { x, y, size, anchor, bold: false, fill, text });
    }

    /// A row of swatches and names, starting at the plot's left edge, or further left when
    /// that would run past the chart's right edge.
    fn legend(&mut self, y: f32, items: &[(String, Color)]) {
        let total: f32 = items.iter().map(|(name, _)| 11.0 + text_width(name, LABEL_PT) + 14.0).sum::<f32>() - 14.0;
        let mut x = if LABEL_COL + total <= self.width { LABEL_COL } else { (self.width - total).max(0.0) };
        for (name, color) in items {
            self.shapes.push(Shape::Rect { x, y: y - 7.0, w: 8.0, h: 8.0, fill: *color });
            self.text(x + 11.0, y, LABEL_PT, Anchor::Start, Color::INK, name.clone());
            x += 11.0 + text_width(name, LABEL_PT) + 14.0;
        }
    }

    /// Vertical grid lines and their values along the top of a horizontal plot.
    fn grid(&mut self, x0: f32, plot_w: f32, top: f32, bottom: f32, max: f64, step: f64) {
        let mut v = 0.0;
        while v <= max + step * 1e-9 {
            let x = x0 + (v / max) as f32 * plot_w;
            self.shapes.push(Shape::Line { x1: x, y1: top, x2: x, y2: bottom, stroke: Color::GRID, width: 0.5 });
            self.text(x, top - 3.0, TICK_PT, Anchor::Middle, Color::MUTED, number(v));
            v += step;
        }
    }

    /// Horizontal bars, one group per category with a bar per series (volumes by request:
    /// documents beside families).
    pub fn bars(title: &str, labels: &[String], series: &[Series]) -> Chart {
        let bar_h = 9.0;
        let group_h = bar_h * series.len().max(1) as f32 + 8.0;
        let top = LEGEND_H + 14.0;
        let mut c = Chart::new(title, top + group_h * labels.len().max(1) as f32 + 4.0);
        c.legend(10.0, &series.iter().map(|s| (s.name.clone(), s.color)).collect::<Vec<_>>());
        let max = series.iter().flat_map(|s| s.values.iter().copied()).fold(0.0, f64::max);
        let (max, step) = axis(max);
        let plot_w = WIDTH - LABEL_COL - VALUE_ROOM;
        c.grid(LABEL_COL, plot_w, top, c.height - 4.0, max, step);
        for (i, label) in labels.iter().enumerate() {
            let gy = top + 4.0 + i as f32 * group_h;
            c.text(LABEL_COL - 6.0, gy + group_h / 2.0, LABEL_PT, Anchor::End, Color::INK, fit(label, LABEL_PT, LABEL_COL - 10.0));
            for (k, s) in series.iter().enumerate() {
                let v = s.values.get(i).copied().unwrap_or(0.0);
                let w = (v / max) as f32 * plot_w;
                let y = gy + k as f32 * bar_h;
                c.shapes.push(Shape::Rect { x: LABEL_COL, y, w, h: bar_h - 1.5, fill: s.color });
                c.text(LABEL_COL + w + 3.0, y + bar_h - 3.0, TICK_PT, Anchor::Start, Color::INK, number(v));
            }
        }
        c
    }

    /// Horizontal stacked bars, one per category, a segment per series (exposure by sensitivity).
    pub fn stacked(title: &str, labels: &[String], series: &[Series]) -> Chart {
        let bar_h = 14.0;
        let row_h = bar_h + 8.0;
        let top = LEGEND_H + 14.0;
        let mut c = Chart::new(title, top + row_h * labels.len().max(1) as f32 + 4.0);
        c.legend(10.0, &series.iter().map(|s| (s.name.clone(), s.color)).collect::<Vec<_>>());
        let totals: Vec<f64> = (0..labels.len()).map(|i| series.iter().map(|s| s.values.get(i).copied().unwrap_or(0.0)).sum()).collect();
        let (max, step) = axis(totals.iter().copied().fold(0.0, f64::max));
        let plot_w = WIDTH - LABEL_COL - VALUE_ROOM;
        c.grid(LABEL_COL, plot_w, top, c.height - 4.0, max, step);
        for (i, label) in labels.iter().enumerate() {
            let y = top + 4.0 + i as f32 * row_h;
            c.text(LABEL_COL - 6.0, y + bar_h - 4.0, LABEL_PT, Anchor::End, Color::INK, fit(label, LABEL_PT, LABEL_COL - 10.0));
            let mut x = LABEL_COL;
            for s in series {
                let v = s.values.get(i).copied().unwrap_or(0.0);
                let w = (v / max) as f32 * plot_w;
                if w > 0.0 {
                    c.shapes.push(Shape::Rect { x, y, w, h: bar_h, fill: s.color });
                }
                x += w;
            }
            c.text(x + 3.0, y + bar_h - 4.0, TICK_PT, Anchor::Start, Color::INK, number(totals[i]));
        }
        c
    }

    /// Low–high ranges, one per category (review cost ranges); a range whose ends are equal is
    /// drawn as a tick. `unit` prefixes the printed ends ("USD").
    pub fn ranges(title: &str, bars: &[RangeBar], unit: &str) -> Chart {
        let row_h = 20.0;
        let top = 18.0;
        let mut c = Chart::new(title, top + row_h * bars.len().max(1) as f32 + 4.0);
        let (max, step) = axis(bars.iter().map(|b| b.high).fold(0.0, f64::max));
        let value_room = 110.0;
        let plot_w = WIDTH - LABEL_COL - value_room;
        c.grid(LABEL_COL, plot_w, top, c.height - 4.0, max, step);
        for (i, b) in bars.iter().enumerate() {
            let y = top + 4.0 + i as f32 * row_h;
            let (x0, x1) = (LABEL_COL + (b.low / max) as f32 * plot_w, LABEL_COL + (b.high / max) as f32 * plot_w);
            c.text(LABEL_COL - 6.0, y + 10.0, LABEL_PT, Anchor::End, Color::INK, fit(&b.label, LABEL_PT, LABEL_COL - 10.0));
            c.shapes.push(Shape::Line { x1: LABEL_COL, y1: y + 7.0, x2: x0, y2: y + 7.0, stroke: Color::GRID, width: 1.0 });
            c.shapes.push(Shape::Rect { x: x0, y: y + 1.0, w: (x1 - x0).max(2.0), h: 12.0, fill: Color::BLUE });
            let label = if b.low == b.high {
                format!("{unit} {}", number(b.high))
            } else {
                format!("{unit} {} – {}", number(b.low), number(b.high))
            };
            c.text(x1.max(x0 + 2.0) + 4.0, y + 10.0, TICK_PT, Anchor::Start, Color::INK, label);
        }
        c
    }

    /// A date histogram: vertical bars by period (`YYYY-MM`), oldest first, with as many period
    /// labels as fit under them.
    pub fn histogram(title: &str, periods: &[(String, u64)], color: Color) -> Chart {
        let height = 150.0;
        let (left, right, top, bottom) = (40.0, 10.0, 14.0, 24.0);
        let mut c = Chart::new(title, height);
        let plot_w = WIDTH - left - right;
        let plot_h = height - top - bottom;
        let (max, step) = axis(periods.iter().map(|p| p.1 as f64).fold(0.0, f64::max));
        let mut v = 0.0;
        while v <= max + step * 1e-9 {
            let y = top + plot_h - (v / max) as f32 * plot_h;
            c.shapes.push(Shape::Line { x1: left, y1: y, x2: left + plot_w, y2: y, stroke: Color::GRID, width: 0.5 });
            c.text(left - 4.0, y + 2.5, TICK_PT, Anchor::End, Color::MUTED, number(v));
            v += step;
        }
        let n = periods.len().max(1);
        let slot = plot_w / n as f32;
        // Every k-th label, so labels (about 7 characters) do not overlap.
        let every = ((text_width("2000-00", TICK_PT) + 6.0) / slot).ceil().max(1.0) as usize;
        for (i, (label, count)) in periods.iter().enumerate() {
            let h = (*count as f64 / max) as f32 * plot_h;
            let x = left + i as f32 * slot;
            if h > 0.0 {
                // At most 36 pt wide, so a few months do not make slabs.
                let w = (slot * 0.8).clamp(0.5, 36.0);
                c.shapes.push(Shape::Rect { x: x + (slot - w) / 2.0, y: top + plot_h - h, w, h, fill: color });
            }
            if i % every == 0 {
                c.text(x + slot / 2.0, top + plot_h + 11.0, TICK_PT, Anchor::Middle, Color::MUTED, label.clone());
            }
        }
        if periods.is_empty() {
            c.text(left + plot_w / 2.0, top + plot_h / 2.0, LABEL_PT, Anchor::Middle, Color::MUTED, "No dated items".into());
        }
        c.shapes.push(Shape::Line { x1: left, y1: top + plot_h, x2: left + plot_w, y2: top + plot_h, stroke: Color::MUTED, width: 0.75 });
        c
    }

    /// The chart as an `<svg>` element to inline in HTML5 (which needs no namespace declaration):
    /// no script, no external reference, no URL at all.
    pub fn to_svg(&self) -> String {
        let mut s = format!(
            "<svg viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{t}\" \
             font-family=\"DejaVu Sans, Verdana, sans-serif\">\n<title>{t}</title>\n",
            w = num(self.width),
            h = num(self.height),
            t = esc(&self.title)
        );
        for shape in &self.shapes {
            match shape {
                Shape::Rect { x, y, w, h, fill } => {
                    let _ = writeln!(
                        s,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>",
                        num(*x),
                        num(*y),
                        num(*w),
                        num(*h),
                        fill.hex()
                    );
                }
                Shape::Line { x1, y1, x2, y2, stroke, width } => {
                    let _ = writeln!(
                        s,
                        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"{}\"/>",
                        num(*x1),
                        num(*y1),
                        num(*x2),
                        num(*y2),
                        stroke.hex(),
                        num(*width)
                    );
                }
                Shape::Text { x, y, size, anchor, bold, fill, text } => {
                    let anchor = match anchor {
                        Anchor::Start => "start",
                        Anchor::Middle => "middle",
                        Anchor::End => "end",
                    };
                    let _ = writeln!(
                        s,
                        "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{anchor}\" fill=\"{}\"{}>{}</text>",
                        num(*x),
                        num(*y),
                        num(*size),
                        fill.hex(),
                        if *bold { " font-weight=\"bold\"" } else { "" },
                        esc(text)
                    );
                }
            }
        }
        s.push_str("</svg>");
        s
    }
}

/// A coordinate with at most two decimals and no trailing zeros (deterministic, compact).
fn num(v: f32) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Text for HTML or XML (the model-log section's escaper: one for every page we write).
pub use crate::assess::section::esc;

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Vec<Series> {
        vec![
            Series { name: "Documents".into(), color: Color::BLUE, values: vec![10.0, 40.0] },
            Series { name: "Families".into(), color: Color::SKY, values: vec![15.0, 52.0] },
        ]
    }

    #[test]
    fn bars_scale_to_a_round_axis_and_print_each_value() {
        let c = Chart::bars("Volumes", &["A".into(), "B <&>".into()], &two());
        let rects: Vec<(f32, f32)> =
            c.shapes.iter().filter_map(|s| if let Shape::Rect { w, y, .. } = s { Some((*w, *y)) } else { None }).collect();
        // Two legend swatches, then four bars; the axis goes to 60 (step 20), so 52 is 52/60 of the plot.
        assert_eq!(rects.len(), 6);
        let plot_w = WIDTH - LABEL_COL - VALUE_ROOM;
        assert!((rects[5].0 - 52.0 / 60.0 * plot_w).abs() < 0.01, "{rects:?}");
        let svg = c.to_svg();
        assert!(svg.contains(">52</text>") && svg.contains(">60</text>"), "{svg}");
        assert!(svg.contains("B &lt;&amp;&gt;") && !svg.contains("B <&>"), "labels are escaped");
    }

    #[test]
    fn svg_is_deterministic_self_contained_and_script_free() {
        let a = Chart::stacked("Exposure <by> sensitivity", &["R1".into()], &two()).to_svg();
        let b = Chart::stacked("Exposure <by> sensitivity", &["R1".into()], &two()).to_svg();
        assert_eq!(a, b);
        assert!(a.starts_with("<svg viewBox=") && a.ends_with("</svg>"));
        assert!(!a.contains("http:") && !a.contains("https:"), "inline SVG in HTML needs no namespace URL");
        assert!(!a.contains("<script") && !a.contains("href") && !a.contains("<image"));
        assert!(a.contains("<title>Exposure &lt;by&gt; sensitivity</title>"));
        // Stacked: the second segment starts where the first ends, total printed after the bar.
        assert!(a.contains(">25</text>"), "{a}");
    }

    #[test]
    fn ranges_print_both_ends_and_equal_ends_once() {
        let c = Chart::ranges(
            "Cost",
            &[RangeBar { label: "R1".into(), low: 1200.5, high: 3400.0 }, RangeBar { label: "R2".into(), low: 50.0, high: 50.0 }],
            "USD",
        );
        let svg = c.to_svg();
        assert!(svg.contains(">USD 1,200.50 – 3,400</text>"), "{svg}");
        assert!(svg.contains(">USD 50</text>"));
    }

    #[test]
    fn histogram_thins_labels_but_draws_every_bar() {
        let periods: Vec<(String, u64)> =
            (1..=36).map(|m| (format!("{}-{:02}", 2000 + (m - 1) / 12, (m - 1) % 12 + 1), m as u64)).collect();
        let c = Chart::histogram("Items by month", &periods, Color::BLUE);
        let bars = c.shapes.iter().filter(|s| matches!(s, Shape::Rect { .. })).count();
        assert_eq!(bars, 36);
        let labels = c.shapes.iter().filter(|s| matches!(s, Shape::Text { text, .. } if text.contains('-'))).count();
        assert!(labels > 3 && labels < 36, "{labels} month labels");
        let empty = Chart::histogram("None", &[], Color::BLUE).to_svg();
        assert!(empty.contains("No dated items"));
    }

    #[test]
    fn numbers_print_as_the_report_prints_them() {
        assert_eq!(number(1234567.0), "1,234,567");
        assert_eq!(number(1234.5), "1,234.50");
        assert_eq!(number(0.1), "0.10");
        assert_eq!(number(0.0), "0");
        assert_eq!(axis(52.0), (60.0, 20.0));
        assert_eq!(axis(0.0), (1.0, 1.0));
        assert_eq!(fit("abcdefghijklmnopqrstuvwxyz", 10.0, 56.0), "abcdefghi…");
    }
}
