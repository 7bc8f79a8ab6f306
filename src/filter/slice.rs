//! Slices (`frame[0:4]`, `eth.src[0:3]`, `ip[9]`, `tcp.payload[-2:]`): byte ranges cut out
//! of a value, as in Wireshark's display filters.
//!
//! A slice is one or more ranges between brackets, separated by commas; the bytes they
//! cut are joined in order (`frame[0:2,4]` is three bytes). Each range is one of
//!
//! - `i:j`: `j` bytes from offset `i`;
//! - `i-j`: from offset `i` to offset `j`, both included (`i` must be less than `j`);
//! - `i`: the byte at offset `i`;
//! - `:j`: the first `j` bytes;
//! - `i:`: from offset `i` to the end.
//!
//! A negative offset counts from the end (`frame[-1]` is the last byte). Offsets are
//! decimal or hexadecimal (`0x10`). A range that does not fit the value cuts nothing and
//! stops the slice there, as in Wireshark: `frame[1000:2] == 00:00` is false and
//! `frame[1000:2] != 00:00` true on a short frame, and a bare `frame[1000:2]` (present
//! when it cut some bytes) is false.

use std::borrow::Cow;

/// Where a range ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// `i:j`: this many bytes (positive).
    Len(i32),
    /// `i-j`: this offset, included (negative: from the end).
    Offset(i32),
    /// `i:`: to the end of the value.
    Rest,
}

/// One range of a slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// The first offset (negative: from the end).
    pub start: i32,
    pub end: End,
}

/// The ranges between one pair of brackets; a name may have several pairs
/// (`frame[0:4][1]` slices the slice).
pub type Slice = Vec<Range>;

/// Parses one range as written (`0:4`, `2-5`, `-1`, `:2`, `4:`), spaces already removed;
/// the error is the message.
pub fn parse_range(text: &str) -> Result<Range, String> {
    let bad =
        || format!("\"{text}\" is not a valid range in a slice (such as 0:4, 2-5, 3, :2 or 4:)");
    let overflow = || format!("\"{text}\" causes an integer overflow");
    // The start: an optional sign and a number, or nothing before a `:`.
    let digits_end = |s: &str| {
        let sign = usize::from(s.starts_with('-'));
        let body = &s[sign..];
        let len = if body.starts_with("0x") || body.starts_with("0X") {
            2 + body[2..].bytes().take_while(u8::is_ascii_hexdigit).count()
        } else {
            body.bytes().take_while(u8::is_ascii_digit).count()
        };
        sign + len
    };
    let n = digits_end(text);
    let (start_text, rest) = text.split_at(n);
    let number = |s: &str| -> Result<i32, String> {
        match parse_offset(s) {
            Some(Ok(v)) => Ok(v),
            Some(Err(())) => Err(overflow()),
            None => Err(bad()),
        }
    };
    if start_text.is_empty() {
        // `:j` only.
        let Some(len) = rest.strip_prefix(':').filter(|l| !l.is_empty()) else {
            return Err(bad());
        };
        return Ok(Range {
            start: 0,
            end: End::Len(length(text, number(len)?)?),
        });
    }
    let start = number(start_text)?;
    let end = if rest.is_empty() {
        End::Len(1)
    } else if rest == ":" {
        End::Rest
    } else if let Some(len) = rest.strip_prefix(':') {
        End::Len(length(text, number(len)?)?)
    } else if let Some(last) = rest.strip_prefix('-') {
        let last = number(last)?;
        if (start > 0 && last < 0) || (start < 0 && last >= 0) {
            return Err(format!(
                "range {text} is not valid because {start} and {last} have different signs"
            ));
        }
        if start >= last {
            return Err(format!(
                "range {text} is not valid because {start} is not less than {last}"
            ));
        }
        End::Offset(last)
    } else {
        return Err(bad());
    };
    Ok(Range { start, end })
}

/// A length must be positive.
fn length(text: &str, len: i32) -> Result<i32, String> {
    if len <= 0 {
        return Err(format!(
            "range {text} is not valid because the length {len} is not positive"
        ));
    }
    Ok(len)
}

/// `12`, `-3`, `0x1f`: `None` when it is not a number, `Some(Err)` when it does not fit.
fn parse_offset(s: &str) -> Option<Result<i32, ()>> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let (radix, digits) = match body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        Some(h) => (16, h),
        None => (10, body),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let v = i64::from_str_radix(digits, radix).ok();
    let v = v.map(|v| if neg { -v } else { v });
    Some(v.and_then(|v| i32::try_from(v).ok()).ok_or(()))
}

/// The bytes `slice` cuts out of `b`: its ranges' bytes joined, up to the first range that
/// does not fit (Wireshark's rule: a range past the end stops the slice there).
pub fn cut<'a>(slice: &[Range], b: &'a [u8]) -> Cow<'a, [u8]> {
    let mut parts = slice.iter().map_while(|r| span(*r, b.len()));
    let Some(first) = parts.next() else {
        return Cow::Borrowed(&[]);
    };
    match parts.next() {
        None => Cow::Borrowed(&b[first.0..first.1]),
        Some(second) => {
            let mut out = b[first.0..first.1].to_vec();
            out.extend_from_slice(&b[second.0..second.1]);
            for (s, e) in parts {
                out.extend_from_slice(&b[s..e]);
            }
            Cow::Owned(out)
        }
    }
}

/// The bytes `[start, end)` range `r` takes of a value of `len` bytes; `None` when it does
/// not fit in it.
fn span(r: Range, len: usize) -> Option<(usize, usize)> {
    let len = i64::try_from(len).ok()?;
    let mut start = i64::from(r.start);
    if start < 0 {
        start += len;
        if start < 0 {
            return None;
        }
    }
    let end = match r.end {
        End::Rest => len,
        End::Len(n) => start + i64::from(n),
        End::Offset(e) if e < 0 => len + i64::from(e) + 1,
        End::Offset(e) if i64::from(e) >= len => return None,
        End::Offset(e) => i64::from(e) + 1,
    };
    if end <= start || end > len {
        return None;
    }
    Some((usize::try_from(start).ok()?, usize::try_from(end).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> Range {
        parse_range(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn cut_all(text: &[&str], b: &[u8]) -> Vec<u8> {
        let s: Vec<Range> = text.iter().map(|t| r(t)).collect();
        cut(&s, b).into_owned()
    }

    #[test]
    fn the_five_forms() {
        assert_eq!(
            r("0:4"),
            Range {
                start: 0,
                end: End::Len(4)
            }
        );
        assert_eq!(
            r("2-5"),
            Range {
                start: 2,
                end: End::Offset(5)
            }
        );
        assert_eq!(
            r("3"),
            Range {
                start: 3,
                end: End::Len(1)
            }
        );
        assert_eq!(
            r(":2"),
            Range {
                start: 0,
                end: End::Len(2)
            }
        );
        assert_eq!(
            r("4:"),
            Range {
                start: 4,
                end: End::Rest
            }
        );
        assert_eq!(
            r("-2:"),
            Range {
                start: -2,
                end: End::Rest
            }
        );
        assert_eq!(
            r("-3--1"),
            Range {
                start: -3,
                end: End::Offset(-1)
            }
        );
        assert_eq!(
            r("0x10:0x2"),
            Range {
                start: 16,
                end: End::Len(2)
            }
        );
        assert_eq!(
            r("-0"),
            Range {
                start: 0,
                end: End::Len(1)
            }
        );
    }

    /// The messages say what is wrong with the range, as Wireshark's do.
    #[test]
    fn bad_ranges() {
        let e = |t: &str| parse_range(t).unwrap_err();
        let not_valid = "is not a valid range in a slice (such as 0:4, 2-5, 3, :2 or 4:)";
        for t in ["5:x", "a", "1-", "-", ":", "", "1:2:3", "1..2", "x:1"] {
            assert_eq!(e(t), format!("\"{t}\" {not_valid}"), "{t}");
        }
        assert_eq!(
            e("0:0"),
            "range 0:0 is not valid because the length 0 is not positive"
        );
        assert_eq!(
            e(":-1"),
            "range :-1 is not valid because the length -1 is not positive"
        );
        assert_eq!(
            e("3-1"),
            "range 3-1 is not valid because 3 is not less than 1"
        );
        assert_eq!(
            e("1-1"),
            "range 1-1 is not valid because 1 is not less than 1"
        );
        assert_eq!(
            e("0--5"),
            "range 0--5 is not valid because 0 is not less than -5"
        );
        assert_eq!(
            e("3--5"),
            "range 3--5 is not valid because 3 and -5 have different signs"
        );
        assert_eq!(
            e("-3-5"),
            "range -3-5 is not valid because -3 and 5 have different signs"
        );
        assert_eq!(
            e("4294967296:1"),
            "\"4294967296:1\" causes an integer overflow"
        );
    }

    #[test]
    fn cutting() {
        let b: Vec<u8> = (0..10).collect();
        assert_eq!(cut_all(&["0:4"], &b), [0, 1, 2, 3]);
        assert_eq!(cut_all(&["2-5"], &b), [2, 3, 4, 5]);
        assert_eq!(cut_all(&["9"], &b), [9]);
        assert_eq!(cut_all(&[":2"], &b), [0, 1]);
        assert_eq!(cut_all(&["8:"], &b), [8, 9]);
        assert_eq!(cut_all(&["-1"], &b), [9]);
        assert_eq!(cut_all(&["-3--1"], &b), [7, 8, 9]);
        assert_eq!(cut_all(&["-3:2"], &b), [7, 8]);
        assert_eq!(cut_all(&["0:2", "4"], &b), [0, 1, 4]);
        // A range that does not fit stops the slice: what came before it stays.
        assert_eq!(cut_all(&["0:2", "100:2"], &b), [0, 1]);
        assert!(cut_all(&["100:2", "0:2"], &b).is_empty());
        assert!(cut_all(&["9:2"], &b).is_empty());
        assert!(cut_all(&["10:"], &b).is_empty());
        assert!(cut_all(&["-11"], &b).is_empty());
        assert!(cut_all(&["0-10"], &b).is_empty());
        assert_eq!(cut_all(&["0-9"], &b), b);
        assert!(cut_all(&["0:1"], &[]).is_empty());
        assert_eq!(
            cut_all(&["0:2147483647"], &b).len(),
            0,
            "no overflow past the end"
        );
        assert!(matches!(cut(&[r("1:2")], &b), Cow::Borrowed(_)));
    }
}
