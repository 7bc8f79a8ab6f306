//! Tokens to an expression tree. Precedence: `not` > `and` > `or`; nesting
//! (parentheses and `not`) is limited to [`MAX_DEPTH`] levels.

use std::net::IpAddr;

use regex::{Regex, RegexBuilder};

use crate::dissect::Kind;

use super::compare::{literal_error, parse_bytes, parse_cidr, parse_mac, parse_num, Num};
use super::fields;
use super::lexer::{lex, Cmp, Tok, Token};
use super::slice::{parse_range, Slice};
use super::FilterError;

/// The deepest nesting of parentheses and `not` accepted.
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug)]
pub enum Expr {
    /// The empty filter.
    All,
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// A bare field or protocol name: present in the packet.
    Has(String),
    Test(String, Test),
}

#[derive(Clone, Debug)]
pub enum Test {
    Cmp(Cmp, Literal),
    Contains(Literal),
    Matches(Pattern),
    In(Vec<SetItem>),
    /// The bytes the slices cut out of each occurrence (each pair of brackets slicing what
    /// the one before cut), tested by the test, or present (some bytes cut) without one.
    Slice(Vec<Slice>, Option<Box<Test>>),
}

/// A regular expression of `matches`, compiled for text (Unicode, case-insensitive) and
/// for bytes (byte by byte, ASCII case-insensitive: `\xff` is the byte 0xff, as in
/// Wireshark).
#[derive(Clone, Debug)]
pub struct Pattern {
    pub text: Regex,
    pub bytes: regex::bytes::Regex,
}

#[derive(Clone, Debug)]
pub enum SetItem {
    One(Literal),
    /// Inclusive numeric range `lo..hi`.
    Range(Literal, Literal),
}

/// A value written in the filter, with every typed reading it allows.
#[derive(Clone, Debug)]
pub struct Literal {
    pub text: String,
    /// Written in double quotes: compared as a string only.
    pub quoted: bool,
    pub num: Option<Num>,
    pub boolean: Option<bool>,
    pub ip: Option<IpAddr>,
    /// A network (`10.0.0.0/8`), which an address equals when it is in it.
    pub net: Option<(IpAddr, u8)>,
    pub mac: Option<[u8; 6]>,
    /// A byte string (`47:45:54`), or a quoted string's bytes (`"\xff"` is one byte).
    pub bytes: Option<Vec<u8>>,
}

impl Literal {
    fn quoted(text: String, raw: Vec<u8>) -> Literal {
        Literal {
            text,
            quoted: true,
            num: None,
            boolean: None,
            ip: None,
            net: None,
            mac: None,
            bytes: Some(raw),
        }
    }

    fn word(text: String) -> Literal {
        let boolean = match text.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        };
        Literal {
            num: parse_num(&text),
            boolean,
            ip: text.parse().ok(),
            net: parse_cidr(&text),
            mac: parse_mac(&text),
            bytes: parse_bytes(&text),
            quoted: false,
            text,
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
}

/// Parse filter text into an expression ([`Expr::All`] for blank text).
pub fn parse_expr(src: &str) -> Result<Expr, FilterError> {
    let toks = lex(src)?;
    if toks.is_empty() {
        return Ok(Expr::All);
    }
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        depth: 0,
    };
    let e = p.or()?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(p.unexpected(t)),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn next_is(&self, tok: &Tok) -> bool {
        self.peek().is_some_and(|t| &t.tok == tok)
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += usize::from(t.is_some());
        t
    }

    /// Where the next token starts (the end of the text when there is none).
    fn here(&self) -> usize {
        self.peek().map_or(self.src.len(), |t| t.at)
    }

    fn err(&self, at: usize, len: usize, message: String) -> FilterError {
        FilterError { at, len, message }
    }

    fn unexpected(&self, t: &Token) -> FilterError {
        self.err(
            t.at,
            t.len,
            format!("unexpected \"{}\" at {}", t.text(self.src), t.at),
        )
    }

    /// "expected X after "op" at N", pointing at what follows `after`.
    fn expected(&self, what: &str, after: &Token) -> FilterError {
        let op = after.text(self.src);
        match self.peek() {
            Some(t) if !matches!(t.tok, Tok::RParen | Tok::RBrace) => self.err(
                t.at,
                t.len,
                format!(
                    "expected {what} after \"{op}\" at {}, found \"{}\"",
                    t.at,
                    t.text(self.src)
                ),
            ),
            _ => {
                let at = self.here();
                self.err(at, 1, format!("expected {what} after \"{op}\" at {at}"))
            }
        }
    }

    fn enter(&mut self, at: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(
                at,
                1,
                format!("filter nested too deeply at {at} (more than {MAX_DEPTH} levels)"),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, FilterError> {
        let mut parts = vec![self.and()?];
        while self.next_is(&Tok::Or) {
            self.bump();
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, FilterError> {
        let mut parts = vec![self.not()?];
        while self.next_is(&Tok::And) {
            self.bump();
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn not(&mut self) -> Result<Expr, FilterError> {
        if self.next_is(&Tok::Not) {
            let t = self.bump().unwrap_or_else(unreachable_token);
            self.enter(t.at)?;
            if self.peek().is_none() {
                return Err(self.expected("a filter", &t));
            }
            let e = self.not()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(e)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        let Some(t) = self.bump() else {
            let at = self.src.len();
            let after = self.pos.checked_sub(1).and_then(|i| self.toks.get(i));
            return Err(match after {
                Some(a) => self.err(
                    at,
                    1,
                    format!("expected a filter after \"{}\" at {at}", a.text(self.src)),
                ),
                None => self.err(at, 1, format!("expected a filter at {at}")),
            });
        };
        match &t.tok {
            Tok::LParen => {
                self.enter(t.at)?;
                if self.next_is(&Tok::RParen) {
                    let r = self.bump().unwrap_or_else(unreachable_token);
                    return Err(self.err(r.at, 1, format!("empty parentheses at {}", t.at)));
                }
                let e = self.or()?;
                if !self.next_is(&Tok::RParen) {
                    return Err(match self.peek() {
                        Some(u) => self.unexpected(&u.clone()),
                        None => {
                            self.err(t.at, 1, format!("missing \")\" for the \"(\" at {}", t.at))
                        }
                    });
                }
                self.bump();
                self.depth -= 1;
                Ok(e)
            }
            Tok::Word(name) => {
                if !fields::is_known(name) {
                    let hint = fields::suggest(name)
                        .map(|s| format!(" (did you mean {s}?)"))
                        .unwrap_or_default();
                    return Err(self.err(
                        t.at,
                        t.len,
                        format!("\"{name}\" is not a known field or protocol{hint}"),
                    ));
                }
                self.test(name.clone(), t.at)
            }
            _ => Err(self.unexpected(&t)),
        }
    }

    /// What follows a field name: slices, then an operator and a value, or nothing
    /// (presence).
    fn test(&mut self, name: String, at: usize) -> Result<Expr, FilterError> {
        let slices = self.slices(&name, at)?;
        // A protocol's value is its bytes, and so is a slice of anything.
        let kind = if !slices.is_empty() || fields::is_protocol(&name) {
            Some(Kind::Bytes)
        } else {
            fields::kind_of(&name)
        };
        let (test, negated) = self.operation(kind)?;
        let test = match (slices.is_empty(), test) {
            (true, None) => return Ok(Expr::Has(name)),
            (true, Some(t)) => t,
            (false, t) => Test::Slice(slices, t.map(Box::new)),
        };
        let e = Expr::Test(name, test);
        Ok(if negated { Expr::Not(Box::new(e)) } else { e })
    }

    /// The operator and value after a name (and its slices), if any, on values of type
    /// `kind`; true with `not in`, which is the negation of the `in` test.
    fn operation(&mut self, kind: Option<Kind>) -> Result<(Option<Test>, bool), FilterError> {
        let Some(op) = self.peek().cloned() else {
            return Ok((None, false));
        };
        let test = match op.tok {
            Tok::Cmp(c) => {
                self.bump();
                Test::Cmp(c, self.typed_literal(&op, kind)?)
            }
            Tok::Contains => {
                self.bump();
                // Only byte fields give `contains` a typed reading (a byte string).
                let kind = kind.filter(|k| *k == Kind::Bytes);
                Test::Contains(self.typed_literal(&op, kind)?)
            }
            Tok::Matches => {
                self.bump();
                Test::Matches(self.pattern(&op)?)
            }
            Tok::In => {
                self.bump();
                Test::In(self.set(&op, kind)?)
            }
            Tok::Not
                if matches!(
                    self.toks.get(self.pos + 1),
                    Some(Token { tok: Tok::In, .. })
                ) =>
            {
                self.bump();
                let op = self.bump().unwrap_or_else(unreachable_token);
                return Ok((Some(Test::In(self.set(&op, kind)?)), true));
            }
            _ => return Ok((None, false)),
        };
        Ok((Some(test), false))
    }

    /// The regular expression after `matches`, compiled for text and for bytes.
    fn pattern(&mut self, op: &Token) -> Result<Pattern, FilterError> {
        let at = self.here();
        let lit = self.literal(op)?;
        let len = self
            .pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(1, |t| t.len);
        let error = |e: regex::Error| {
            let msg = e.to_string();
            let line = msg
                .lines()
                .find_map(|l| l.trim().strip_prefix("error: "))
                .unwrap_or(msg.trim())
                .to_string();
            FilterError {
                at,
                len,
                message: format!("invalid regex: {line}"),
            }
        };
        let text = RegexBuilder::new(&lit.text)
            .case_insensitive(true)
            .size_limit(1 << 20)
            .nest_limit(64)
            .build()
            .map_err(error)?;
        // The pattern as bytes: `\xff` in a quoted string is the byte 0xff there.
        let raw = match &lit.bytes {
            Some(b) if lit.quoted => b.as_slice(),
            _ => lit.text.as_bytes(),
        };
        let mut on_bytes = String::new();
        for chunk in raw.utf8_chunks() {
            on_bytes.push_str(chunk.valid());
            for b in chunk.invalid() {
                on_bytes.push_str(&format!("\\x{b:02x}"));
            }
        }
        let bytes = |unicode: bool| {
            regex::bytes::RegexBuilder::new(&on_bytes)
                .case_insensitive(true)
                .unicode(unicode)
                .size_limit(1 << 20)
                .nest_limit(64)
                .build()
        };
        // Byte by byte where the pattern allows it (`\xff` the byte, `.` any byte); a
        // pattern that needs Unicode (`\p{L}`) reads the bytes as UTF-8.
        let bytes = bytes(false).or_else(|_| bytes(true)).map_err(error)?;
        Ok(Pattern { text, bytes })
    }

    /// `[0:4]`, `[-1]`, `[0:2,4-5]` after `name`, which starts at `at` (none, when the
    /// name is not followed by `[`).
    fn slices(&mut self, name: &str, at: usize) -> Result<Vec<Slice>, FilterError> {
        let mut out = Vec::new();
        while self.next_is(&Tok::LBracket) {
            let open = self.bump().unwrap_or_else(unreachable_token);
            if out.is_empty() && !fields::can_slice(name) {
                let what = fields::kind_of(name).map_or("a group of fields", kind_words);
                return Err(self.err(
                    at,
                    name.len(),
                    format!("\"{name}\" is {what} and cannot be sliced into a sequence of bytes"),
                ));
            }
            out.push(self.ranges(at, &open)?);
        }
        Ok(out)
    }

    /// The ranges between `open` and its `]`.
    fn ranges(&mut self, at: usize, open: &Token) -> Result<Slice, FilterError> {
        let mut ranges = Vec::new();
        loop {
            // The words up to the next `,` or `]` make one range (`0 : 4` is `0:4`).
            let first = self.pos;
            let mut text = String::new();
            while let Some(Token {
                tok: Tok::Word(w), ..
            }) = self.peek()
            {
                text.push_str(w);
                self.bump();
            }
            let written = |p: &Self| {
                let end = p.peek().map_or(p.src.len(), |t| t.at + t.len);
                p.src.get(at..end).unwrap_or("").trim_end().to_string()
            };
            match self.peek().map(|t| t.tok.clone()) {
                Some(Tok::Comma | Tok::RBracket) if text.is_empty() => {
                    let whole = written(self);
                    return Err(self.err(
                        at,
                        whole.len(),
                        format!("\"{whole}\" is not a valid slice (a range is missing)"),
                    ));
                }
                Some(Tok::Comma | Tok::RBracket) => {
                    let from = self.toks.get(first).map_or(open.at + 1, |t| t.at);
                    let to = self.peek().map_or(self.src.len(), |t| t.at);
                    let range = parse_range(&text)
                        .map_err(|m| self.err(from, to.saturating_sub(from).max(1), m))?;
                    ranges.push(range);
                    if self.bump().is_some_and(|t| t.tok == Tok::RBracket) {
                        return Ok(ranges);
                    }
                }
                Some(_) if text.is_empty() => {
                    let t = self.peek().cloned().unwrap_or_else(unreachable_token);
                    return Err(self.unexpected(&t));
                }
                _ => {
                    let whole = self.src.get(at..self.here()).unwrap_or("").trim_end();
                    return Err(self.err(
                        at,
                        whole.len().max(1),
                        format!("\"{whole}\" is not a valid slice (\"]\" is missing)"),
                    ));
                }
            }
        }
    }

    /// A literal that must be able to be a value of a field of type `kind`, when known.
    fn typed_literal(&mut self, after: &Token, kind: Option<Kind>) -> Result<Literal, FilterError> {
        let at = self.here();
        let lit = self.literal(after)?;
        if let Some(msg) = kind.and_then(|k| literal_error(k, &lit)) {
            let len = self
                .pos
                .checked_sub(1)
                .and_then(|i| self.toks.get(i))
                .map_or(1, |t| t.len);
            return Err(self.err(at, len, msg));
        }
        Ok(lit)
    }

    fn literal(&mut self, after: &Token) -> Result<Literal, FilterError> {
        match self.peek().map(|t| &t.tok) {
            Some(Tok::Str(s, raw)) => {
                let lit = Literal::quoted(s.clone(), raw.clone());
                self.bump();
                Ok(lit)
            }
            Some(Tok::Word(w)) => {
                let w = w.clone();
                self.bump();
                Ok(Literal::word(w))
            }
            _ => Err(self.expected("a value", after)),
        }
    }

    /// `{a b c}`, `{a, b}`, `{1..10}`, after `in`.
    fn set(&mut self, op: &Token, kind: Option<Kind>) -> Result<Vec<SetItem>, FilterError> {
        if !self.next_is(&Tok::LBrace) {
            return Err(self.expected("\"{\"", op));
        }
        let open = self.bump().unwrap_or_else(unreachable_token);
        let mut items = Vec::new();
        loop {
            match self.peek().map(|t| &t.tok) {
                Some(Tok::RBrace) => {
                    let close = self.bump().unwrap_or_else(unreachable_token);
                    if items.is_empty() {
                        return Err(self.err(
                            open.at,
                            close.at + 1 - open.at,
                            format!("empty set at {}", open.at),
                        ));
                    }
                    return Ok(items);
                }
                Some(Tok::Comma) if !items.is_empty() => {
                    self.bump();
                }
                Some(Tok::Str(..) | Tok::Word(_)) => {
                    let first = self.typed_literal(&open, kind)?;
                    if self.next_is(&Tok::DotDot) {
                        let dots = self.bump().unwrap_or_else(unreachable_token);
                        let last = self.typed_literal(&dots, kind)?;
                        if first.num.is_none() || last.num.is_none() {
                            return Err(self.err(
                                dots.at,
                                2,
                                format!(
                                    "a range needs numbers on both sides of \"..\" at {}",
                                    dots.at
                                ),
                            ));
                        }
                        items.push(SetItem::Range(first, last));
                    } else {
                        items.push(SetItem::One(first));
                    }
                }
                Some(_) => {
                    let t = self.peek().cloned().unwrap_or_else(unreachable_token);
                    return Err(self.unexpected(&t));
                }
                None => {
                    return Err(self.err(
                        open.at,
                        1,
                        format!("missing \"}}\" for the \"{{\" at {}", open.at),
                    ))
                }
            }
        }
    }
}

/// A type in words, for "cannot be sliced".
fn kind_words(k: Kind) -> &'static str {
    match k {
        Kind::None => "a label",
        Kind::Unsigned => "an unsigned integer",
        Kind::Signed => "a signed integer",
        Kind::Bool => "a boolean",
        Kind::Time => "a time",
        Kind::Duration => "a time offset",
        Kind::Named => "a number with names",
        Kind::Frame => "a frame number",
        Kind::Frames => "a list of frame numbers",
        _ => "a value",
    }
}

/// Only reached after a successful `peek`; kept panic-free all the same.
fn unreachable_token() -> Token {
    Token {
        tok: Tok::RParen,
        at: 0,
        len: 0,
    }
}

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;
