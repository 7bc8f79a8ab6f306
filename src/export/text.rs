//! Text output: tshark-like one-line rows and the OSI-grouped field tree.

use std::fmt::Write;

use crate::dissect::{Dissection, Field, Osi, Src};
use crate::store::{PacketId, Store};

/// One row like `tshark -n -r`: number, relative time, source → destination, protocol, length, info.
pub fn row(store: &Store, id: PacketId) -> String {
    let mut out = Vec::new();
    let _ = write_row(&mut out, store, id);
    out.pop(); // the newline
    String::from_utf8(out).unwrap_or_default()
}

/// [`row`] and a newline, written straight to `out` (no string in between: `inspect`
/// writes a million of them).
pub fn write_row(
    out: &mut impl std::io::Write,
    store: &Store,
    id: PacketId,
) -> std::io::Result<()> {
    let c = store.columns(id);
    let len = store.capture.record(id.index()).map_or(0, |r| r.origlen);
    // Written piece by piece, without `core::fmt` (see `dissect::fmt::push_num`).
    let mut line = String::with_capacity(64 + c.src.len() + c.dst.len() + c.info.len());
    let mut n = itoa::Buffer::new();
    let number = n.format(id.number());
    line.extend(std::iter::repeat_n(
        ' ',
        6usize.saturating_sub(number.len()),
    ));
    line.push_str(number);
    line.push(' ');
    push_time(&mut line, store.relative_ns(id));
    line.push(' ');
    line.push_str(&c.src);
    if !(c.src.is_empty() && c.dst.is_empty()) {
        line.push_str(" → ");
    }
    line.push_str(&c.dst);
    line.push(' ');
    line.push_str(c.protocol);
    line.push(' ');
    line.push_str(n.format(len));
    line.push(' ');
    line.push_str(&c.info);
    line.push('\n');
    out.write_all(line.as_bytes())
}

/// A relative time as [`crate::dissect::fmt::secs6`] writes it, right-aligned in 11
/// columns, appended.
fn push_time(s: &mut String, ns: i64) {
    let us = (ns.unsigned_abs() + 500) / 1000;
    let (whole, frac) = (us / 1_000_000, us % 1_000_000);
    let mut n = itoa::Buffer::new();
    let whole = n.format(whole);
    let width = usize::from(ns < 0) + whole.len() + 7;
    s.extend(std::iter::repeat_n(' ', 11usize.saturating_sub(width)));
    if ns < 0 {
        s.push('-');
    }
    s.push_str(whole);
    s.push('.');
    let frac = n.format(frac + 1_000_000);
    s.push_str(&frac[1..]);
}

/// The full tree of one packet, grouped by OSI layer, each field with its name and byte range.
pub fn tree(d: &Dissection) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Packet {} ({} bytes captured, {} on the wire)",
        d.number, d.caplen, d.origlen
    );
    for osi in Osi::ALL {
        let layers: Vec<_> = d.layers.iter().filter(|l| l.osi == osi).collect();
        if layers.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  Layer {} · {}", osi.number(), osi.name());
        for l in layers {
            let _ = writeln!(
                out,
                "    {}  [{} {}..{}]",
                l.title, l.protocol, l.range[0], l.range[1]
            );
            for f in &l.fields {
                field(&mut out, f, 3);
            }
        }
    }
    if let Some(stop) = &d.stop {
        let _ = writeln!(out, "  ! {stop}");
    }
    for w in &d.warnings {
        let _ = writeln!(
            out,
            "  ! warning ({} layer {}): {}",
            w.protocol,
            w.osi.number(),
            w.message
        );
    }
    for (i, b) in d.derived.iter().enumerate() {
        let _ = writeln!(out, "  bytes #{}: {}", i + 1, b.name);
    }
    out
}

/// `Label: value  [name 3..7]`; `in #2` when the range is in derived bytes #2 (listed
/// at the end of the tree), `generated` for a value with no bytes of its own.
fn field(out: &mut String, f: &Field, depth: usize) {
    let pad = "  ".repeat(depth);
    let shown = f.shown();
    let sep = if shown.is_empty() { "" } else { ": " };
    let [a, b] = f.range;
    let at = match f.src {
        Src::Frame => format!("{a}..{b}"),
        Src::Derived(i) => format!("{a}..{b} in #{}", u32::from(i) + 1),
        Src::Generated => "generated".into(),
    };
    let _ = writeln!(out, "{pad}{}{sep}{shown}  [{} {at}]", f.label, f.name);
    for c in &f.children {
        field(out, c, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::push_time;
    use crate::dissect::fmt::secs6;

    #[test]
    fn the_time_column_is_secs6_right_aligned() {
        for ns in [
            0,
            499,
            500,
            999_999_499,
            999_999_500,
            1_234_567_890,
            -1_234_567_890,
            -400,
            86_400_000_000_000,
            i64::MAX,
            i64::MIN,
        ] {
            let mut s = String::new();
            push_time(&mut s, ns);
            assert_eq!(s, format!("{:>11}", secs6(ns)), "{ns}");
        }
    }
}
