//! Domain names (RFC 1035 3.1): labels, compression pointers (4.1.4), and the
//! escaped text Wireshark shows for them.

use std::fmt::Write;

/// Most pointers followed in one name, so loops end (RFC 1035 4.1.4 sets no limit).
const MAX_HOPS: usize = 32;
/// Longest name on the wire, length bytes included (RFC 1035 2.3.4).
const MAX_NAME: usize = 255;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NameErr {
    Cut,
    Loop,
    PastEnd,
    TooLong,
    LabelType(u8),
}

impl NameErr {
    /// What the name shows in place of what could not be read (Wireshark's words where
    /// it has them), and what the warning says.
    pub(super) fn words(self) -> (&'static str, &'static str) {
        match self {
            NameErr::Cut => ("<name cut short>", "runs past the end of the message"),
            NameErr::Loop => (
                "<Name contains a pointer that loops>",
                "has compression pointers that loop (over 32 jumps)",
            ),
            NameErr::PastEnd => (
                "<pointer past the end of the message>",
                "has a compression pointer past the end of the message",
            ),
            NameErr::TooLong => ("<name longer than 255 bytes>", "is longer than 255 bytes"),
            NameErr::LabelType(_) => ("<Unknown extended label>", "uses a reserved label type"),
        }
    }
}

/// A decoded domain name.
#[derive(Clone, Debug, Default)]
pub(super) struct Name {
    /// Escaped text (`<Root>` for the root); empty when text was not asked for.
    pub(super) text: String,
    /// Bytes it takes where it stands (through its first pointer); `None` if unknown.
    pub(super) in_place: Option<usize>,
    /// Length of the dotted name and number of labels.
    pub(super) len: usize,
    pub(super) labels: usize,
    pub(super) err: Option<NameErr>,
}

impl Name {
    fn push(&mut self, label: &[u8], text: bool) {
        self.len += label.len() + usize::from(self.labels > 0);
        if text {
            if self.labels > 0 {
                self.text.push('.');
            }
            push_escaped(&mut self.text, label);
        }
        self.labels += 1;
    }
    fn finish(&mut self, err: Option<NameErr>, text: bool) {
        self.err = err;
        let marker = match err {
            Some(e) => e.words().0,
            None if self.labels == 0 => "<Root>",
            None => return,
        };
        if text {
            let sep = if self.text.is_empty() { "" } else { " " };
            write!(self.text, "{sep}{marker}").unwrap_or(());
        }
    }
}

/// Read the name at `at` (RFC 1035 3.1, with 4.1.4 compression). Ends after at most
/// [`MAX_HOPS`] pointers and [`MAX_NAME`] bytes of labels, so it cannot loop.
pub(super) fn read_name(msg: &[u8], at: usize, text: bool) -> Name {
    let mut n = Name::default();
    let (mut pos, mut hops, mut wire) = (at, 0, 1);
    let err = loop {
        let Some(&b) = msg.get(pos) else {
            break Some(NameErr::Cut);
        };
        if b == 0 {
            n.in_place.get_or_insert_with(|| pos + 1 - at);
            break None;
        } else if b < 0x40 {
            let Some(label) = msg.get(pos + 1..pos + 1 + usize::from(b)) else {
                break Some(NameErr::Cut);
            };
            wire += label.len() + 1;
            if wire > MAX_NAME {
                break Some(NameErr::TooLong);
            }
            n.push(label, text);
            pos += 1 + label.len();
        } else if b < 0xc0 {
            break Some(NameErr::LabelType(b & 0xc0));
        } else {
            let Some(&lo) = msg.get(pos + 1) else {
                break Some(NameErr::Cut);
            };
            n.in_place.get_or_insert_with(|| pos + 2 - at);
            hops += 1;
            pos = usize::from(b & 0x3f) << 8 | usize::from(lo);
            if hops > MAX_HOPS {
                break Some(NameErr::Loop);
            } else if pos >= msg.len() {
                break Some(NameErr::PastEnd);
            }
        }
    };
    n.finish(err, text);
    n
}

/// Label or text bytes as Wireshark shows them: UTF-8 kept, control bytes as `\NNN`
/// (octal); and, where Wireshark would lose them, bytes that are not UTF-8 as `\xNN`
/// and `\` itself as `\\`.
pub(super) fn push_escaped(out: &mut String, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_ascii_control() => write!(out, "\\{:03o}", c as u32).unwrap_or(()),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            write!(out, "\\x{b:02x}").unwrap_or(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{at, layer, msg};
    use super::super::{info, looks_like_dns, malformed};

    #[test]
    fn pointer_loops_and_chains_end() {
        let looping = msg(&["000f 0100 0001 0000 0000 0000 c00c 0001 0001"]);
        let text = "Standard query 0x000f A <Name contains a pointer that loops>";
        assert_eq!(info(&looping).unwrap(), text);
        assert!(!looks_like_dns(&looping) && malformed(&looping));
        let (l, warnings) = layer(&looping);
        let says = "DNS question 1: its name has compression pointers that loop (over 32 jumps)";
        assert_eq!(warnings, [says]);
        assert_eq!(at(l.find("dns.query").unwrap()).1, [12, 18]);
        // 12 -> 18 -> 20 -> 64, past the end of the 22 bytes.
        let chain = msg(&["0010 0100 0001 0000 0000 0000 c012 0001 0001 c014 c040"]);
        assert!(info(&chain)
            .unwrap()
            .ends_with("A <pointer past the end of the message>"));
        let (_, warnings) = layer(&chain);
        assert!(warnings[0].ends_with("has a compression pointer past the end of the message"));
        // A CNAME pointing at itself, after a question with a looping name.
        let both = msg(&[
            "0011 8180 0001 0001 0000 0000 c00c 0001 0001 c00c 0005 0001 0000 0000 0002 c01e",
        ]);
        let (_, warnings) = layer(&both);
        // The answer's owner name points at the looping one too: three problems.
        assert_eq!(warnings, [format!("{says} (and 2 more problems)")]);
        let cname = info(&both).unwrap();
        assert!(
            cname.ends_with(" CNAME <Name contains a pointer that loops>"),
            "{cname}"
        );
        let long = format!("{}00 0001 0001", format!("3f{}", "61".repeat(63)).repeat(5));
        let long = msg(&["0012 0100 0001 0000 0000 0000", &long]);
        assert_eq!(info(&long), None);
        assert_eq!(
            layer(&long).1,
            ["DNS question 1: its name is longer than 255 bytes"]
        );
    }

    #[test]
    fn label_bytes_are_escaped() {
        let name = "04 61016 22e 03 632064 07 7fff5c7822797a 05 636166c3a9 00";
        let m = msg(&["0007 0100 0001 0000 0000 0000", name, "0001 0001"]);
        let shown = r#"a\001b..c d.\177\xff\\x"yz.café"#;
        assert_eq!(
            info(&m).unwrap(),
            format!("Standard query 0x0007 A {shown}")
        );
        let (l, _) = layer(&m);
        assert_eq!(l.find("dns.qry.name.len").unwrap().shown(), "22");
        assert_eq!(l.find("dns.count.labels").unwrap().shown(), "4");
        let root = msg(&["0008 0100 0001 0000 0000 0000 00 0002 0001"]);
        assert_eq!(info(&root).unwrap(), "Standard query 0x0008 NS <Root>");
    }
}
