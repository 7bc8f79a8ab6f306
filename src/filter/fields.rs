//! The names a filter may use: every field and protocol name the library emits, plus the
//! two-sided aliases (`ip.addr`, `tcp.port`, ...), with a description and a type. The list
//! is gathered from the field definitions each protocol module declares next to the code
//! that emits the fields ([`crate::dissect::FieldDef`]), so it cannot drift from them.

use std::sync::OnceLock;

use crate::dissect::{FieldDef, Kind};

/// Every definition, sorted by name (byte order), one per name.
pub(super) fn registry() -> &'static [&'static FieldDef] {
    static ALL: OnceLock<Vec<&'static FieldDef>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<&'static FieldDef> = crate::dissect::field_defs()
            .chain(crate::analysis::field_defs())
            .chain(crate::store::field_defs())
            .collect();
        v.sort_by_key(|d| d.name);
        v.dedup_by_key(|d| d.name);
        v
    })
}

/// `(name, description)` of every definition, sorted by name.
pub(super) fn known() -> &'static [(&'static str, &'static str)] {
    static KNOWN: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    KNOWN.get_or_init(|| registry().iter().map(|d| (d.name, d.description)).collect())
}

/// The definition of `name`, if it is a field or protocol.
pub(super) fn def(name: &str) -> Option<&'static FieldDef> {
    let r = registry();
    r.binary_search_by(|d| d.name.cmp(name)).ok().map(|i| r[i])
}

/// The type of the values of `name`, if it is a field or protocol.
pub(super) fn kind_of(name: &str) -> Option<Kind> {
    def(name).map(|d| d.kind)
}

/// Layers whose protocol name has a dot (the others' names have none): the analysis's
/// views of a connection, a session, a message and its encoding.
const DOTTED_LAYERS: [&str; 4] = [
    "engineio.session",
    "tcp.connection",
    "websocket.message",
    "websocket.presentation",
];

/// Whether `name` is a protocol (a layer of the tree), whose value in a filter is its
/// bytes, as Wireshark's protocol fields: `frame contains "GET"`, `ip[9] == 6`. Other
/// names without a value (`dns.queries`, `tcp.options.nop`) are headings.
pub(super) fn is_protocol(name: &str) -> bool {
    // Asked per packet by the summary tier: the cheap test on the name first, the
    // registry's binary search only for names that can be protocols.
    (!name.contains('.') || DOTTED_LAYERS.contains(&name)) && kind_of(name) == Some(Kind::None)
}

/// Whether a slice (`name[0:2]`) can cut bytes out of the values of `name`: protocols,
/// byte strings, texts and addresses, as in Wireshark.
pub(super) fn can_slice(name: &str) -> bool {
    is_protocol(name)
        || matches!(
            kind_of(name),
            Some(Kind::Bytes | Kind::Text | Kind::Mac | Kind::Ipv4 | Kind::Ipv6)
        )
}

/// Aliases that stand for two fields: a test on the alias is a test on either.
pub(super) fn alias(name: &str) -> Option<[&'static str; 2]> {
    Some(match name {
        "ip.addr" => ["ip.src", "ip.dst"],
        "ipv6.addr" => ["ipv6.src", "ipv6.dst"],
        "eth.addr" => ["eth.src", "eth.dst"],
        "tcp.port" => ["tcp.srcport", "tcp.dstport"],
        "udp.port" => ["udp.srcport", "udp.dstport"],
        _ => return None,
    })
}

/// Whether `name` is a known field or protocol, or the prefix of a group of
/// known fields (`tcp.analysis` for `tcp.analysis.flags`).
pub(super) fn is_known(name: &str) -> bool {
    def(name).is_some()
        || known().iter().any(|(n, _)| {
            n.len() > name.len() && n.starts_with(name) && n.as_bytes()[name.len()] == b'.'
        })
}

/// The closest known name, for "did you mean ...?" (none when nothing is close).
pub(super) fn suggest(name: &str) -> Option<&'static str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    known()
        .iter()
        .map(|(n, _)| (distance(name, n), *n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// Edit distance with adjacent transpositions counted as one edit.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 3 || a.len() > 64 {
        return usize::MAX;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (i, row) in d.chunks_mut(w).enumerate() {
        row[0] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_unique() {
        let k = known();
        assert!(k.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(k.iter().all(|(n, d)| !n.is_empty() && !d.is_empty()));
    }

    /// A name defined in two modules (the HTTP layer's `websocket.handshake` among the
    /// WebSocket fields) has one type.
    #[test]
    fn one_name_one_type() {
        let mut all: Vec<&FieldDef> = crate::dissect::field_defs()
            .chain(crate::analysis::field_defs())
            .chain(crate::store::field_defs())
            .collect();
        all.sort_by_key(|d| d.name);
        for w in all.windows(2) {
            if w[0].name == w[1].name {
                assert_eq!(w[0].kind, w[1].kind, "{}", w[0].name);
            }
        }
    }

    #[test]
    fn known_names_and_groups() {
        assert!(is_known("tcp"));
        assert!(is_known("tcp.flags.syn"));
        assert!(is_known("ip.addr"));
        assert!(is_known("tcp.analysis"));
        assert!(!is_known("tcp.prot"));
        assert!(!is_known("tcp."));
        assert!(!is_known(""));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("tcp.prot"), Some("tcp.port"));
        assert_eq!(suggest("websocket.opcod"), Some("websocket.opcode"));
        assert_eq!(suggest("htpp"), Some("http"));
        assert_eq!(suggest("zzzzzzzz"), None);
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("", "abc"), 3);
    }

    #[test]
    fn aliases_are_known_and_point_at_known_fields() {
        for a in ["ip.addr", "ipv6.addr", "eth.addr", "tcp.port", "udp.port"] {
            assert!(is_known(a));
            let [x, y] = alias(a).unwrap();
            assert!(is_known(x) && is_known(y));
            assert_eq!(kind_of(a), kind_of(x));
            assert_eq!(kind_of(x), kind_of(y));
        }
        assert_eq!(alias("ip.src"), None);
    }
}
