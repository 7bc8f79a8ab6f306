//! JSON read without building it: the Socket.IO arguments of every packet are
//! checked by the analysis ([`check`]) and shown in Info columns
//! ([`write_compact`]) without a `serde_json::Value`, its maps and its strings.
//!
//! [`check`] accepts exactly what `serde_json::from_slice::<IgnoredAny>` accepts
//! (RFC 8259's grammar, as serde_json reads it: strings are not checked for
//! UTF-8 and `\u` escapes are not paired, nesting has no limit) and reports
//! whether the text is *plain*: valid UTF-8, no `\u` or `\/` escape, no escape
//! in an object key, every number an integer of at most 15 digits (and not
//! `-0`), nested at most [`MAX_PLAIN_DEPTH`] deep. For plain text
//! `serde_json::from_slice::<Value>` cannot fail, and [`write_compact`] writes
//! what `serde_json::to_string` writes for that value (keys in byte order, as
//! its `BTreeMap` keeps them), stopping once the text is longer than a budget.

/// Deepest nesting of plain text (serde_json refuses more than 127 levels).
pub const MAX_PLAIN_DEPTH: usize = 100;
/// Most digits of a plain number (such integers are exact in any of serde_json's number forms).
const MAX_PLAIN_DIGITS: usize = 15;

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\t' | b'\r')
}

/// Open arrays and objects: one bit each for the first 64 levels, then a `Vec`; whether
/// the innermost is an object is kept apart, as it is asked after every value.
#[derive(Default)]
struct Frames {
    depth: usize,
    bits: u64,
    deep: Vec<bool>,
    top_is_object: bool,
}

impl Frames {
    fn push(&mut self, object: bool) {
        if self.depth < 64 {
            self.bits = (self.bits & !(1 << self.depth)) | (u64::from(object) << self.depth);
        } else {
            self.deep.push(object);
        }
        self.depth += 1;
        self.top_is_object = object;
    }

    /// Whether the innermost open container is an object.
    fn top_is_object(&self) -> bool {
        self.top_is_object
    }

    fn pop(&mut self) {
        if self.depth > 64 {
            self.deep.pop();
        }
        self.depth = self.depth.saturating_sub(1);
        self.top_is_object = match self.depth {
            0 => false,
            d if d <= 64 => self.bits >> (d - 1) & 1 == 1,
            _ => self.deep.last() == Some(&true),
        };
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    plain: bool,
}

// Every step is inlined into `check`'s loop: left to the compiler, `string` and `key`
// stayed calls, and checking the reference workload's Socket.IO data took 17% more
// instructions.
impl Reader<'_> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    #[inline(always)]
    fn skip_ws(&mut self) -> Option<u8> {
        // Compact JSON has no blanks: one comparison for the common case.
        if let Some(c) = self.peek().filter(|&c| c > b' ') {
            return Some(c);
        }
        while let Some(c) = self.peek() {
            if !is_ws(c) {
                return Some(c);
            }
            self.pos += 1;
        }
        None
    }

    #[inline(always)]
    fn ident(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos + word.len();
        (self.b.get(self.pos..end)? == word).then(|| self.pos = end)
    }

    /// Moves `pos` to the next `"`, `\\` or control byte of a string, sixteen bytes at a
    /// time with SSE2 (in every x86_64 processor), then eight at a time. Written by hand:
    /// `memchr` finds at most three given bytes, not a range, and serde_json's own scan
    /// goes eight bytes at a time. On the reference workload's Socket.IO data this took
    /// 12% off checking it (2% off `stats`).
    #[inline(always)]
    #[cfg(target_arch = "x86_64")]
    fn skip_plain_bytes(&mut self) {
        use std::arch::x86_64::*;
        while let Some(chunk) = self.b.get(self.pos..self.pos + 16) {
            // SAFETY: `chunk` is 16 readable bytes; SSE2 is part of x86_64.
            let mask = unsafe {
                let v = _mm_loadu_si128(chunk.as_ptr().cast());
                let q = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
                let s = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
                // Bytes below 0x20: unsigned min with 0x1f equals the byte.
                let c = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q, s), c))
            };
            if mask != 0 {
                self.pos += mask.trailing_zeros() as usize;
                return;
            }
            self.pos += 16;
        }
        self.skip_plain_bytes_swar();
    }

    #[inline(always)]
    #[cfg(not(target_arch = "x86_64"))]
    fn skip_plain_bytes(&mut self) {
        self.skip_plain_bytes_swar();
    }

    /// [`Self::skip_plain_bytes`] eight bytes at a time (SWAR, as serde_json does), then
    /// stopping before the last seven.
    #[inline(always)]
    fn skip_plain_bytes_swar(&mut self) {
        const ONES: u64 = u64::MAX / 255;
        while let Some(chunk) = self.b.get(self.pos..self.pos + 8) {
            let v = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            let ctrl = v.wrapping_sub(ONES * 0x20) & !v;
            let q = v ^ (ONES * u64::from(b'"'));
            let quote = q.wrapping_sub(ONES) & !q;
            let s = v ^ (ONES * u64::from(b'\\'));
            let slash = s.wrapping_sub(ONES) & !s;
            let found = (ctrl | quote | slash) & (ONES << 7);
            if found != 0 {
                self.pos += found.trailing_zeros() as usize / 8;
                return;
            }
            self.pos += 8;
        }
    }

    /// A string, its opening quote at `pos`.
    #[inline(always)]
    fn string(&mut self, key: bool) -> Option<()> {
        self.pos += 1;
        loop {
            self.skip_plain_bytes();
            let c = self.peek()?;
            self.pos += 1;
            match c {
                b'"' => return Some(()),
                b'\\' => {
                    if key {
                        self.plain = false;
                    }
                    match self.peek()? {
                        b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                        b'/' => {
                            self.plain = false;
                            self.pos += 1;
                        }
                        b'u' => {
                            self.plain = false;
                            let hex = self.b.get(self.pos + 1..self.pos + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.pos += 5;
                        }
                        _ => return None,
                    }
                }
                0..=0x1f => return None,
                _ => {}
            }
        }
    }

    #[inline(always)]
    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// A number, its first byte (`-` or a digit) at `pos`.
    #[inline(always)]
    fn number(&mut self) -> Option<()> {
        let negative = self.peek() == Some(b'-');
        self.pos += usize::from(negative);
        let n = match self.peek()? {
            b'0' => {
                self.pos += 1;
                if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return None;
                }
                if negative {
                    self.plain = false;
                }
                1
            }
            b'1'..=b'9' => self.digits(),
            _ => return None,
        };
        if n > MAX_PLAIN_DIGITS {
            self.plain = false;
        }
        if self.peek() == Some(b'.') {
            self.plain = false;
            self.pos += 1;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.plain = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return None;
            }
        }
        Some(())
    }

    /// An object key and its colon, the key's quote at `pos` (after blanks).
    #[inline(always)]
    fn key(&mut self) -> Option<()> {
        if self.skip_ws()? != b'"' {
            return None;
        }
        self.string(true)?;
        (self.skip_ws()? == b':').then(|| self.pos += 1)
    }

    /// One whole value from `pos` (blanks before it skipped); `pos` ends after it.
    fn value(&mut self) -> Option<()> {
        let mut frames = Frames::default();
        loop {
            // A value is expected here.
            match self.skip_ws()? {
                b'n' => self.ident(b"null")?,
                b't' => self.ident(b"true")?,
                b'f' => self.ident(b"false")?,
                b'-' | b'0'..=b'9' => self.number()?,
                b'"' => self.string(false)?,
                open @ (b'[' | b'{') => {
                    self.pos += 1;
                    frames.push(open == b'{');
                    if frames.depth > MAX_PLAIN_DEPTH {
                        self.plain = false;
                    }
                    let close = if open == b'{' { b'}' } else { b']' };
                    if self.skip_ws()? != close {
                        if open == b'{' {
                            self.key()?;
                        }
                        continue;
                    }
                    self.pos += 1;
                    frames.pop();
                }
                _ => return None,
            }
            // After a value: close containers, or a comma and the next member.
            loop {
                if frames.depth == 0 {
                    return Some(());
                }
                let object = frames.top_is_object();
                match self.skip_ws()? {
                    b',' => {
                        self.pos += 1;
                        if object {
                            self.key()?;
                        }
                        break;
                    }
                    b']' if !object => {}
                    b'}' if object => {}
                    _ => return None,
                }
                self.pos += 1;
                frames.pop();
            }
        }
    }
}

/// Bytes with the high bit set where `v`'s bytes equal `c` (the SWAR trick:
/// exact for the high bit of each byte once or-ed with the other tests' results).
fn bytes_eq(v: u64, c: u8) -> u64 {
    const ONES: u64 = u64::MAX / 255;
    let x = v ^ (ONES * u64::from(c));
    x.wrapping_sub(ONES) & !x
}

/// How many bytes of `b` come before its first `"` or `\\` (all of them if none),
/// eight at a time.
fn quote_or_backslash(b: &[u8]) -> usize {
    const HIGH: u64 = (u64::MAX / 255) << 7;
    let mut chunks = b.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let v = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let found = (bytes_eq(v, b'"') | bytes_eq(v, b'\\')) & HIGH;
        if found != 0 {
            return at + found.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    at + chunks
        .remainder()
        .iter()
        .position(|&c| c == b'"' || c == b'\\')
        .unwrap_or(chunks.remainder().len())
}

/// The first `"`, `[`, `]`, `{` or `}` of `b` at or after `from`, eight bytes at a time.
fn next_structural(b: &[u8], from: usize) -> Option<usize> {
    const HIGH: u64 = (u64::MAX / 255) << 7;
    let rest = b.get(from..)?;
    let mut chunks = rest.chunks_exact(8);
    let mut at = from;
    for chunk in &mut chunks {
        let v = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        // `[`/`{` and `]`/`}` differ in one bit (0x20): fold it away.
        let folded = v | (u64::MAX / 255 * 0x20);
        let found = (bytes_eq(v, b'"') | bytes_eq(folded, b'{') | bytes_eq(folded, b'}')) & HIGH;
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let tail = chunks.remainder();
    let i = tail
        .iter()
        .position(|&c| matches!(c, b'"' | b'[' | b']' | b'{' | b'}'))?;
    Some(at + i)
}

/// What [`check`] found in valid JSON text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The first byte of the value (`[`, `{`, `"`, ...).
    pub first: u8,
    /// Plain text: see the module's doc.
    pub plain: bool,
}

/// Whether `text` is one JSON value (blanks around it allowed) as serde_json
/// reads it, and whether it is plain but for UTF-8, which is not checked
/// here (the analysis does not need it; check it before [`write_compact`]).
pub fn check(text: &[u8]) -> Option<Checked> {
    let mut r = Reader {
        b: text,
        pos: 0,
        plain: true,
    };
    let first = r.skip_ws()?;
    r.value()?;
    if r.skip_ws().is_some() {
        return None;
    }
    Some(Checked {
        first,
        plain: r.plain,
    })
}

/// Whether `serde_json::from_slice::<serde_json::Value>(text)` succeeds, mostly without
/// building the value: text that [`check`] refuses is refused by it too, and plain text
/// in UTF-8 is read by it; only the rest (numbers out of range, nesting past its limit,
/// bytes that are not UTF-8...) is parsed to know. `utf8`: `text` is known to be UTF-8.
pub fn parses_as_value(text: &[u8], utf8: bool) -> bool {
    match check(text) {
        None => false,
        Some(c) if c.plain && (utf8 || std::str::from_utf8(text).is_ok()) => true,
        Some(_) => serde_json::from_slice::<serde_json::Value>(text).is_ok(),
    }
}

/// Why [`write_compact`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The output passed the budget: what was written is a prefix of the whole.
    Budget,
    /// The text cannot be written without parsing it (an object with a key twice).
    Unsupported,
}

/// An object member: where its key starts (at its quote) and ends (after its
/// quote), and where its value starts and ends.
type Member = (usize, usize, usize, usize);

/// Members of objects with at most this many are kept on the stack.
const STACK_MEMBERS: usize = 8;

/// The members of one object: on the stack when they are few (one lives while its
/// object is written, so its size is the point, not a waste).
#[allow(clippy::large_enum_variant)]
enum Members {
    Few([Member; STACK_MEMBERS], usize),
    Many(Vec<Member>),
}

impl Members {
    fn push(&mut self, m: Member) {
        match self {
            Members::Few(a, n) if *n < STACK_MEMBERS => {
                a[*n] = m;
                *n += 1;
            }
            Members::Few(a, n) => {
                let mut v = a[..*n].to_vec();
                v.push(m);
                *self = Members::Many(v);
            }
            Members::Many(v) => v.push(m),
        }
    }

    fn as_mut_slice(&mut self) -> &mut [Member] {
        match self {
            Members::Few(a, n) => &mut a[..*n],
            Members::Many(v) => v,
        }
    }
}

/// Writes compact JSON of plain text (see [`check`]).
pub struct Compact<'a> {
    b: &'a [u8],
    out: &'a mut String,
    /// Stop once `out` is longer than this (bytes).
    budget: usize,
}

impl<'a> Compact<'a> {
    /// A writer of values of `text` (plain, checked) into `out`, up to `budget` bytes of it.
    pub fn new(text: &'a [u8], out: &'a mut String, budget: usize) -> Self {
        Compact {
            b: text,
            out,
            budget,
        }
    }

    fn skip_ws(&self, mut pos: usize) -> usize {
        while self.b.get(pos).is_some_and(|&c| is_ws(c)) {
            pos += 1;
        }
        pos
    }

    /// Writes one of the punctuation bytes, which need no UTF-8 check.
    fn punct(&mut self, c: char) -> Result<(), Stop> {
        self.out.push(c);
        self.within_budget()
    }

    fn push(&mut self, s: &[u8]) -> Result<(), Stop> {
        // Plain text is UTF-8 and every cut is at an ASCII byte.
        self.out
            .push_str(std::str::from_utf8(s).map_err(|_| Stop::Unsupported)?);
        self.within_budget()
    }

    fn within_budget(&self) -> Result<(), Stop> {
        if self.out.len() > self.budget {
            return Err(Stop::Budget);
        }
        Ok(())
    }

    /// The end of the value at `pos` (after blanks), without writing it. The text
    /// was checked: brackets and quotes alone say where a value ends, and the long
    /// values skipped to sort an object's keys (a Socket.IO history of 50 kB) are not
    /// read again as the checker reads them.
    fn skip(&self, pos: usize) -> Result<usize, Stop> {
        let b = self.b;
        match b.get(pos) {
            Some(b'"') => self.string_end(pos),
            Some(b'[' | b'{') => {
                let mut depth = 0usize;
                let mut i = pos;
                loop {
                    i = next_structural(b, i).ok_or(Stop::Unsupported)?;
                    match b[i] {
                        b'"' => {
                            i = self.string_end(i)?;
                            continue;
                        }
                        b'[' | b'{' => depth += 1,
                        _ => {
                            depth -= 1;
                            if depth == 0 {
                                return Ok(i + 1);
                            }
                        }
                    }
                    i += 1;
                }
            }
            Some(_) => {
                let rest = b.get(pos..).unwrap_or_default();
                let len = rest
                    .iter()
                    .position(|&c| matches!(c, b',' | b']' | b'}') || is_ws(c))
                    .unwrap_or(rest.len());
                Ok(pos + len)
            }
            None => Err(Stop::Unsupported),
        }
    }

    /// The end of the string at `pos` (its opening quote): the next quote that no
    /// backslash escapes.
    fn string_end(&self, pos: usize) -> Result<usize, Stop> {
        let b = self.b;
        let mut i = pos + 1;
        loop {
            i += b.get(i..).map_or(0, quote_or_backslash);
            match b.get(i) {
                Some(b'"') => return Ok(i + 1),
                Some(_) => i += 2,
                None => return Err(Stop::Unsupported),
            }
        }
    }

    /// The end of the value at `pos` (blanks before it allowed), without writing it.
    pub fn skip_value(&self, pos: usize) -> Result<usize, Stop> {
        self.skip(self.skip_ws(pos))
    }

    /// Where the next byte that is not a blank is, from `pos`.
    pub fn after_blanks(&self, pos: usize) -> usize {
        self.skip_ws(pos)
    }

    /// Writes the value at `pos` (blanks before it allowed); returns its end.
    pub fn value(&mut self, pos: usize) -> Result<usize, Stop> {
        let pos = self.skip_ws(pos);
        match self.b.get(pos) {
            Some(b'[') => self.array(pos + 1, true),
            Some(b'{') => self.object(pos),
            Some(_) => {
                let end = self.skip(pos)?;
                self.push(&self.b[pos..end])?;
                Ok(end)
            }
            None => Err(Stop::Unsupported),
        }
    }

    /// Writes `[`, the array's elements from `pos` (just after `[`, or after a
    /// comma when `first` is false), and `]`; returns the end.
    pub fn array(&mut self, pos: usize, first: bool) -> Result<usize, Stop> {
        self.punct('[')?;
        let mut pos = self.skip_ws(pos);
        if first && self.b.get(pos) == Some(&b']') {
            self.punct(']')?;
            return Ok(pos + 1);
        }
        let mut n = 0;
        loop {
            if n > 0 {
                self.punct(',')?;
            }
            let end = self.value(pos)?;
            pos = self.skip_ws(end);
            n += 1;
            match self.b.get(pos) {
                Some(b',') => pos += 1,
                Some(b']') => break,
                _ => return Err(Stop::Unsupported),
            }
        }
        self.punct(']')?;
        Ok(pos + 1)
    }

    /// The members of the object at `pos`: (key with its quotes, value), and the end.
    fn members(&self, pos: usize) -> Result<(Members, usize), Stop> {
        let mut members = Members::Few([(0, 0, 0, 0); STACK_MEMBERS], 0);
        let mut pos = self.skip_ws(pos + 1);
        if self.b.get(pos) == Some(&b'}') {
            return Ok((members, pos + 1));
        }
        loop {
            let key_end = self.string_end(pos)?;
            let value = self.skip_ws(self.skip_ws(key_end) + 1); // after the colon
            let value_end = self.skip(value)?;
            members.push((pos, key_end, value, value_end));
            pos = self.skip_ws(value_end);
            match self.b.get(pos) {
                Some(b',') => pos = self.skip_ws(pos + 1),
                Some(b'}') => return Ok((members, pos + 1)),
                _ => return Err(Stop::Unsupported),
            }
        }
    }

    /// Writes the object at `pos` (its `{`) with its keys in byte order; returns its end.
    fn object(&mut self, pos: usize) -> Result<usize, Stop> {
        let (mut members, end) = self.members(pos)?;
        let members = members.as_mut_slice();
        let b = self.b;
        let key = |m: &Member| &b[m.0 + 1..m.1 - 1];
        if !members.windows(2).all(|w| key(&w[0]) < key(&w[1])) {
            members.sort_by(|x, y| key(x).cmp(key(y)));
            if members.windows(2).any(|w| key(&w[0]) == key(&w[1])) {
                // serde_json keeps the last of equal keys: not worth doing here.
                return Err(Stop::Unsupported);
            }
        }
        self.punct('{')?;
        for (i, &(ks, ke, v, v_end)) in members.iter().enumerate() {
            if i > 0 {
                self.punct(',')?;
            }
            self.push(&b[ks..ke])?;
            self.punct(':')?;
            match b[v] {
                b'[' | b'{' => {
                    self.value(v)?;
                }
                // A scalar is written as it is: its end is known already.
                _ => self.push(&b[v..v_end])?,
            }
        }
        self.punct('}')?;
        Ok(end)
    }
}

/// Writes the compact JSON of plain `text` (see [`check`]) into `out`, stopping
/// once `out` is longer than `budget` bytes.
pub fn write_compact(text: &[u8], out: &mut String, budget: usize) -> Result<(), Stop> {
    Compact::new(text, out, budget).value(0).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// `check` against serde_json, and `write_compact` against `to_string` for plain text.
    fn agrees(text: &[u8]) {
        let value = serde_json::from_slice::<Value>(text).is_ok();
        assert_eq!(
            parses_as_value(text, false),
            value,
            "{:?}",
            String::from_utf8_lossy(text)
        );
        if std::str::from_utf8(text).is_ok() {
            assert_eq!(parses_as_value(text, true), value);
        }
        let serde = serde_json::from_slice::<serde::de::IgnoredAny>(text).is_ok();
        let ours = check(text);
        assert_eq!(ours.is_some(), serde, "{:?}", String::from_utf8_lossy(text));
        let Some(c) = ours.filter(|c| c.plain && std::str::from_utf8(text).is_ok()) else {
            return;
        };
        let v: Value = serde_json::from_slice(text).expect("plain text parses");
        let whole = serde_json::to_string(&v).unwrap();
        let mut out = String::new();
        match write_compact(text, &mut out, usize::MAX) {
            Ok(()) => assert_eq!(out, whole),
            Err(Stop::Unsupported) => {}
            Err(Stop::Budget) => panic!("no budget"),
        }
        for budget in [0, 3, 10, 40] {
            let mut out = String::new();
            if write_compact(text, &mut out, budget) != Err(Stop::Unsupported) {
                assert!(whole.starts_with(&out), "{out} / {whole}");
            }
        }
        assert_eq!(c.first, *text.iter().find(|b| !is_ws(**b)).unwrap());
        // Long strings: the 16- and 8-byte skips find quotes, escapes and control bytes
        // anywhere, and let every other byte through.
        for at in 0..40 {
            let mut t = b"[\"".to_vec();
            t.extend(std::iter::repeat_n(b'a', at));
            t.extend_from_slice(b"\\n");
            t.extend(std::iter::repeat_n(b'b', 40 - at));
            t.extend_from_slice(b"\"]");
            assert!(check(&t).is_some());
            for (byte, valid) in [
                (0x01, false),
                (0x1f, false),
                (b'"', false),
                (b' ', true),
                (0x7f, true),
                (0xe9, true),
            ] {
                t[at + 2] = byte;
                assert_eq!(check(&t).is_some(), valid, "{byte:#x} at {at}");
            }
        }
    }

    #[test]
    fn agrees_with_serde_json() {
        for t in [
            "",
            " ",
            "1",
            "-",
            "-0",
            "-0.5",
            "01",
            "1.",
            "1.5e",
            "1e+5",
            "1E-2",
            "12345678901234567",
            "null",
            "nul",
            "nullx",
            "true",
            "false",
            "\"a\"",
            "\"a",
            "\"\\u00e9\"",
            "\"\\uZZZZ\"",
            "\"\\/\"",
            "\"\\x\"",
            "\"\t\"",
            "[]",
            "[ ]",
            "[,]",
            "[1,]",
            "[1 2]",
            "{}",
            "{ }",
            "{\"a\":1}",
            "{\"a\" : 1 , \"b\":[1,{\"c\":null}]}",
            "{\"b\":1,\"a\":2}",
            "{\"a\":1,\"a\":2}",
            "{a:1}",
            "{\"a\"}",
            "{\"a\":}",
            "[}",
            "{]",
            "[[[[]]]]",
            "[\"x\",{\"room\":\"r\",\"messages\":[{\"id\":1,\"user\":\"u\",\"room\":\"r\"}]}]",
            " [1] ",
            "[1] x",
            "\"é ü\"",
            "{\"é\":1,\"e\":2}",
            "[\"a\\\"b\\n\"]",
            "{\"a\\n\":1}",
            // Members skipped to sort the keys, with brackets and escaped quotes in strings.
            r#"{"b":["x]}{[",{"c":"\"]"}],"a":"\\"}"#,
            r#"{"z":{"y":[1,2,{"q":"}"}]},"a":[]}"#,
            r#"["e",{"m":[{"t":"a \" ] b"}],"a":0}]"#,
            r#"{"n":-12,"f":false,"t":true,"e":{},"a":null}"#,
            // Numbers out of f64's range: read by IgnoredAny, refused as a Value.
            "1e400",
            "[-1e400]",
            "123456789012345678901234567890",
        ] {
            agrees(t.as_bytes());
        }
        agrees(&[b'"', 0xff, b'"']);
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        agrees(deep.as_bytes());
        // Deeper than plain text, within serde_json's limit.
        agrees(format!("{}{}", "[".repeat(120), "]".repeat(120)).as_bytes());
        assert!(!check(deep.as_bytes()).unwrap().plain);
    }

    /// Objects and arrays in turn, around the depths where [`Frames`] changes how it
    /// keeps them: each closer must match its opener there as anywhere.
    #[test]
    fn mixed_nesting_across_the_kept_depths() {
        let depths = [2, 63, 64, 65, 66, 100, 101, 127, 128, 129, 130, 200];
        for (depth, flip) in depths.into_iter().flat_map(|d| [(d, false), (d, true)]) {
            let object = |i: usize| i.is_multiple_of(3) != flip;
            let mut text = String::new();
            for i in 0..depth {
                text.push_str(if object(i) { "{\"a\":" } else { "[" });
            }
            text.push('1');
            let closers: Vec<char> = (0..depth)
                .rev()
                .map(|i| if object(i) { '}' } else { ']' })
                .collect();
            let whole: String = text.chars().chain(closers.iter().copied()).collect();
            agrees(whole.as_bytes());
            assert!(check(whole.as_bytes()).is_some(), "depth {depth} {flip}");
            // The wrong closer at any of the levels around the changes is refused.
            for k in [
                0,
                1,
                depth / 2,
                depth.saturating_sub(65),
                depth.saturating_sub(64),
            ] {
                let mut wrong = closers.clone();
                wrong[k] = if wrong[k] == '}' { ']' } else { '}' };
                let bad: String = text.chars().chain(wrong).collect();
                agrees(bad.as_bytes());
                assert!(
                    check(bad.as_bytes()).is_none(),
                    "depth {depth} {flip}, closer {k}"
                );
            }
        }
    }

    #[test]
    fn a_budget_stops_early_with_a_prefix() {
        let text = br#"["history",{"room":"r","messages":[{"id":1,"user":"u","room":"r","text":"hello world"}]}]"#;
        let mut out = String::new();
        assert_eq!(write_compact(text, &mut out, 30), Err(Stop::Budget));
        assert_eq!(out, r#"["history",{"messages":[{"id":1"#);
    }

    proptest! {
        #[test]
        fn arbitrary_text_agrees(t in proptest::collection::vec(proptest::sample::select(
            b"[]{},:\"\\ 0123-.eE+abcnulltrfs/\xc3\xa9\x01".to_vec()), 0..40)) {
            agrees(&t);
        }

        #[test]
        fn generated_json_agrees(v in json_value()) {
            agrees(serde_json::to_string(&v).unwrap().as_bytes());
            agrees(serde_json::to_string_pretty(&v).unwrap().as_bytes());
            // Keys out of order: every member is skipped over before one is written.
            agrees(reversed_keys(&v).as_bytes());
        }
    }

    /// `v` as JSON text with each object's keys in reverse order.
    fn reversed_keys(v: &Value) -> String {
        match v {
            Value::Array(a) => {
                let items: Vec<String> = a.iter().map(reversed_keys).collect();
                format!("[{}]", items.join(","))
            }
            Value::Object(o) => {
                let members: Vec<String> = o
                    .iter()
                    .rev()
                    .map(|(k, x)| format!("{}:{}", Value::from(k.as_str()), reversed_keys(x)))
                    .collect();
                format!("{{{}}}", members.join(" , "))
            }
            _ => v.to_string(),
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-z\"\\\\/\n\u{e9}\\[\\]{}]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{0,3}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
