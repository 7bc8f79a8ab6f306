//! Splits filter text into tokens, each with its byte position.

use super::FilterError;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    #[cfg(test)]
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    DotDot,
    Cmp(Cmp),
    And,
    Or,
    Not,
    Contains,
    Matches,
    In,
    /// A double-quoted string, escapes resolved: as text (`\xHH` the character U+00HH),
    /// and as bytes (`\xHH` the byte HH, as Wireshark reads it).
    Str(String, Vec<u8>),
    /// A field name, number, address or bare word.
    Word(String),
}

/// A token and where it sits in the text: `at` byte offset, `len` bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub at: usize,
    pub len: usize,
}

impl Token {
    /// The token as the user wrote it, for error messages.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.at..self.at + self.len).unwrap_or("")
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '-' | '/')
}

fn keyword(w: &str) -> Option<Tok> {
    Some(match w.to_ascii_lowercase().as_str() {
        "and" => Tok::And,
        "or" => Tok::Or,
        "not" => Tok::Not,
        "eq" => Tok::Cmp(Cmp::Eq),
        "ne" => Tok::Cmp(Cmp::Ne),
        "lt" => Tok::Cmp(Cmp::Lt),
        "le" => Tok::Cmp(Cmp::Le),
        "gt" => Tok::Cmp(Cmp::Gt),
        "ge" => Tok::Cmp(Cmp::Ge),
        "contains" => Tok::Contains,
        "matches" => Tok::Matches,
        "in" => Tok::In,
        _ => return None,
    })
}

fn err(at: usize, len: usize, message: String) -> FilterError {
    FilterError { at, len, message }
}

/// Tokenize the whole text.
pub fn lex(src: &str) -> Result<Vec<Token>, FilterError> {
    let mut out = Vec::new();
    let mut it = src.char_indices().peekable();
    while let Some((at, c)) = it.next() {
        let next = it.peek().map(|&(_, n)| n);
        let two = |tok| Token { tok, at, len: 2 };
        let one = |tok| Token { tok, at, len: 1 };
        let tok = match (c, next) {
            _ if c.is_whitespace() => continue,
            ('(', _) => one(Tok::LParen),
            (')', _) => one(Tok::RParen),
            ('{', _) => one(Tok::LBrace),
            ('}', _) => one(Tok::RBrace),
            ('[', _) => one(Tok::LBracket),
            (']', _) => one(Tok::RBracket),
            (',', _) => one(Tok::Comma),
            ('=', Some('=')) | ('!', Some('=')) | ('<', Some('=')) | ('>', Some('=')) => {
                it.next();
                two(Tok::Cmp(match c {
                    '=' => Cmp::Eq,
                    '!' => Cmp::Ne,
                    '<' => Cmp::Le,
                    _ => Cmp::Ge,
                }))
            }
            ('&', Some('&')) => {
                it.next();
                two(Tok::And)
            }
            ('|', Some('|')) => {
                it.next();
                two(Tok::Or)
            }
            ('.', Some('.')) => {
                it.next();
                two(Tok::DotDot)
            }
            ('=', _) => one(Tok::Cmp(Cmp::Eq)),
            ('<', _) => one(Tok::Cmp(Cmp::Lt)),
            ('>', _) => one(Tok::Cmp(Cmp::Gt)),
            ('!', _) => one(Tok::Not),
            ('~', _) => one(Tok::Matches),
            ('"', _) => string(src, at, &mut it)?,
            _ if is_word_char(c) => {
                let mut end = at + c.len_utf8();
                while let Some(&(i, n)) = it.peek() {
                    // A range `1..10` ends the word before the `..`.
                    if !is_word_char(n) || (n == '.' && src[i + 1..].starts_with('.')) {
                        break;
                    }
                    end = i + n.len_utf8();
                    it.next();
                }
                let w = &src[at..end];
                Token {
                    tok: keyword(w).unwrap_or_else(|| Tok::Word(w.to_string())),
                    at,
                    len: end - at,
                }
            }
            _ => {
                return Err(err(
                    at,
                    c.len_utf8(),
                    format!("unexpected character \"{c}\" at {at}"),
                ))
            }
        };
        out.push(tok);
    }
    Ok(out)
}

/// A double-quoted string starting at `at`. Escapes: `\"` `\\` `\n` `\r` `\t`
/// `\0` `\xHH`; any other `\c` is kept as both characters, so regular
/// expressions like `"^127\."` need no doubling.
fn string(
    src: &str,
    at: usize,
    it: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Result<Token, FilterError> {
    let mut s = String::new();
    let mut raw = Vec::new();
    let push = |s: &mut String, raw: &mut Vec<u8>, c: char| {
        s.push(c);
        raw.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    };
    while let Some((i, c)) = it.next() {
        match c {
            '"' => {
                return Ok(Token {
                    tok: Tok::Str(s, raw),
                    at,
                    len: i + 1 - at,
                })
            }
            '\\' => match it.next() {
                Some((_, 'n')) => push(&mut s, &mut raw, '\n'),
                Some((_, 'r')) => push(&mut s, &mut raw, '\r'),
                Some((_, 't')) => push(&mut s, &mut raw, '\t'),
                Some((_, '0')) => push(&mut s, &mut raw, '\0'),
                Some((_, '"')) => push(&mut s, &mut raw, '"'),
                Some((_, '\\')) => push(&mut s, &mut raw, '\\'),
                Some((j, 'x')) => {
                    let hex = src.get(j + 1..j + 3).unwrap_or("");
                    match u8::from_str_radix(hex, 16) {
                        Ok(b) if hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                            s.push(char::from(b));
                            raw.push(b);
                            it.next();
                            it.next();
                        }
                        _ => {
                            return Err(err(
                                i,
                                2,
                                format!("invalid escape at {i}: \\x needs two hex digits"),
                            ))
                        }
                    }
                }
                Some((_, other)) => {
                    push(&mut s, &mut raw, '\\');
                    push(&mut s, &mut raw, other);
                }
                None => break,
            },
            _ => push(&mut s, &mut raw, c),
        }
    }
    Err(err(
        at,
        src.len() - at,
        format!("unterminated string at {at}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    fn w(s: &str) -> Tok {
        Tok::Word(s.into())
    }

    #[test]
    fn symbols_and_words() {
        assert_eq!(
            toks("tcp.port==80&&!(ip.src != 10.0.0.1)||udp"),
            vec![
                w("tcp.port"),
                Tok::Cmp(Cmp::Eq),
                w("80"),
                Tok::And,
                Tok::Not,
                Tok::LParen,
                w("ip.src"),
                Tok::Cmp(Cmp::Ne),
                w("10.0.0.1"),
                Tok::RParen,
                Tok::Or,
                w("udp"),
            ]
        );
    }

    #[test]
    fn word_operators_any_case() {
        assert_eq!(
            toks("a eq b ne c lt d le e gt f ge g AND h Or not i contains j matches k in"),
            vec![
                w("a"),
                Tok::Cmp(Cmp::Eq),
                w("b"),
                Tok::Cmp(Cmp::Ne),
                w("c"),
                Tok::Cmp(Cmp::Lt),
                w("d"),
                Tok::Cmp(Cmp::Le),
                w("e"),
                Tok::Cmp(Cmp::Gt),
                w("f"),
                Tok::Cmp(Cmp::Ge),
                w("g"),
                Tok::And,
                w("h"),
                Tok::Or,
                Tok::Not,
                w("i"),
                Tok::Contains,
                w("j"),
                Tok::Matches,
                w("k"),
                Tok::In,
            ]
        );
    }

    #[test]
    fn addresses_ranges_and_sets() {
        assert_eq!(
            toks("{1..10, ::1 00:11:22:33:44:55 0x1f}"),
            vec![
                Tok::LBrace,
                w("1"),
                Tok::DotDot,
                w("10"),
                Tok::Comma,
                w("::1"),
                w("00:11:22:33:44:55"),
                w("0x1f"),
                Tok::RBrace,
            ]
        );
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            toks(r#""a\"b\\c\n\x41\.""#),
            vec![Tok::Str("a\"b\\c\nA\\.".into(), b"a\"b\\c\nA\\.".to_vec())]
        );
        assert_eq!(
            toks(r#""\xff\x41é""#),
            vec![Tok::Str("\u{ff}Aé".into(), vec![0xff, 0x41, 0xc3, 0xa9])]
        );
        let t = lex(r#"x == "héllo""#).unwrap();
        assert_eq!((t[2].at, t[2].len), (5, 8));
    }

    #[test]
    fn errors_point_at_the_position() {
        let e = lex(r#"http.host == "abc"#).unwrap_err();
        assert_eq!(e.message, "unterminated string at 13");
        assert_eq!((e.at, e.len), (13, 4));
        let e = lex("tcp @ 1").unwrap_err();
        assert_eq!(e.message, "unexpected character \"@\" at 4");
        let e = lex(r#""\xZZ""#).unwrap_err();
        assert_eq!(e.at, 1);
        assert!(lex("\"\\").is_err());
        assert!(lex("\"é\\x").is_err());
    }
}
