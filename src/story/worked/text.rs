//! The worked computations as plain text (`inspect --worked`): numbered steps,
//! each value indented below its sentence, tables in aligned columns, the bytes
//! a step reads as the tree names them (`[bytes 68..72]`, `[bytes 0..23 in #1]`).

use std::fmt::Write;

use super::{Shown, Step, Worked};
use crate::dissect::Src;

/// `ws` as text, each computation under a `Worked:` heading, indented by `indent`.
pub fn text(ws: &[Worked], indent: &str) -> String {
    let mut out = String::new();
    for w in ws {
        let _ = writeln!(out, "{indent}Worked: {}", w.title);
        for (n, s) in w.steps.iter().enumerate() {
            step(&mut out, s, n + 1, indent);
        }
    }
    out
}

fn step(out: &mut String, s: &Step, n: usize, indent: &str) {
    let mark = match s.check {
        Some(true) => " ✓",
        Some(false) => " ✗",
        None => "",
    };
    let _ = writeln!(out, "{indent}  {n}. {}{mark}", s.text);
    let pad = format!("{indent}       ");
    let bytes = s.at.map(|(src, [a, b])| match src {
        Src::Frame => format!("[bytes {a}..{b}]"),
        Src::Derived(i) => format!("[bytes {a}..{b} in #{}]", u32::from(i) + 1),
        Src::Generated => String::new(),
    });
    match &s.value {
        Some(Shown::Mono(v)) => {
            let _ = write!(out, "{pad}{v}");
            match bytes {
                Some(b) => {
                    let _ = writeln!(out, "  {b}");
                }
                None => out.push('\n'),
            }
        }
        Some(Shown::Table(rows)) => {
            table(out, rows, &pad);
            if let Some(b) = bytes {
                let _ = writeln!(out, "{pad}{b}");
            }
        }
        None => {
            if let Some(b) = bytes {
                let _ = writeln!(out, "{pad}{b}");
            }
        }
    }
}

/// Rows in columns as wide as their widest cell.
fn table(out: &mut String, rows: &[Vec<String>], pad: &str) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let width = |c: usize| {
        rows.iter()
            .filter_map(|r| r.get(c))
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..cols).map(width).collect();
    for r in rows {
        let cells: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        let _ = writeln!(out, "{pad}{}", cells.join("  ").trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::story::worked::Kind;

    #[test]
    fn steps_numbered_values_indented_tables_aligned() {
        let w = Worked {
            kind: Kind::Unmask,
            title: "Unmasking".into(),
            steps: vec![
                Step::new("The key.")
                    .value("37 fa 21 3d")
                    .at(Some((Src::Frame, [2, 6]))),
                Step::new("XOR.").table(vec![
                    vec!["i".into(), "masked".into()],
                    vec!["10".into(), "7f".into()],
                ]),
                Step::new("Result.")
                    .value("\"Hello\"")
                    .at(Some((Src::Derived(0), [0, 5])))
                    .check(true),
            ],
        };
        assert_eq!(
            text(&[w], "  "),
            "  Worked: Unmasking\n\
             \x20   1. The key.\n\
             \x20        37 fa 21 3d  [bytes 2..6]\n\
             \x20   2. XOR.\n\
             \x20        i   masked\n\
             \x20        10  7f\n\
             \x20   3. Result. ✓\n\
             \x20        \"Hello\"  [bytes 0..5 in #1]\n"
        );
    }
}
