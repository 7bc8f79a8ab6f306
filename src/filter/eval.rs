//! Evaluating an expression against one packet's field tree: each occurrence of a name is
//! compared by its typed value ([`super::compare`]).

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::dissect::{Dissection, Layer, Value};

use super::compare::{self, Occ};
use super::fields;
use super::lexer::Cmp;
use super::parser::{Expr, SetItem, Test};
use super::slice::{self, Slice};

/// A packet as a filter sees it: its field tree and its captured bytes, which its
/// protocols' values are ([`layer_bytes`]).
#[derive(Clone, Copy)]
pub(crate) struct Packet<'a> {
    pub d: &'a Dissection,
    pub frame: &'a [u8],
}

/// The protocols the dissector hands the rest of the data it was handed (after the
/// headers before them), as Wireshark's dissectors do: their bytes run to the end of the
/// enclosing protocol's (the captured frame for `frame`; IPv4 and IPv6 end where their
/// length fields say).
const NESTED: [&str; 18] = [
    "frame", "eth", "vlan", "sll", "null", "loop", "nflog", "arp", "ip", "ipv6", "ah", "icmp",
    "icmpv6", "igmp", "tcp", "udp", "data", "dns",
];

/// The length an IPv4 or IPv6 layer declares for itself (header and payload); `None`
/// for other layers, and for an IPv6 jumbogram (payload length 0).
fn declared_len(l: &Layer) -> Option<u32> {
    let field = |name| match l.fields.iter().find(|f| f.name == name)?.value {
        Value::Unsigned(n) => u32::try_from(n).ok(),
        _ => None,
    };
    match l.protocol {
        "ip" => field("ip.len"),
        "ipv6" => field("ipv6.plen")
            .filter(|&n| n > 0)
            .map(|n| n.saturating_add(40)),
        _ => None,
    }
}

/// The bytes of each layer of `p`, in order: a layer of [`NESTED`] from its first byte to
/// the end of the enclosing layer's bytes (or its own declared end, if sooner), so `tcp`
/// is the TCP segment with its payload; the layers the analysis adds (`http`, `websocket`,
/// `tcp.connection`, ...) their own range in this packet (for `http`, the TCP payload).
pub(crate) fn layer_bytes<'a>(p: Packet<'a>) -> impl Iterator<Item = &'a [u8]> + 'a {
    let len = p.frame.len() as u32;
    let mut outer_end = len;
    p.d.layers.iter().map(move |l| {
        let start = l.range[0].min(len);
        let end = if NESTED.contains(&l.protocol) {
            let own = declared_len(l).map_or(u32::MAX, |n| start.saturating_add(n));
            outer_end = own.min(outer_end).max(start);
            outer_end
        } else {
            l.range[1].clamp(start, len)
        };
        &p.frame[start as usize..end as usize]
    })
}

/// Calls `f` on every occurrence of `name` (fields of that name, and the bytes of the
/// layers of that protocol) until it returns true.
fn any_occurrence(p: Packet<'_>, name: &str, f: &mut dyn FnMut(Occ<'_>) -> bool) -> bool {
    let names = fields::alias(name);
    let wanted = |n: &str| match names {
        Some([a, b]) => n == a || n == b,
        None => n == name,
    };
    let mut stack = Vec::new();
    for (l, bytes) in p.d.layers.iter().zip(layer_bytes(p)) {
        if wanted(l.protocol) && f(Occ::Proto(bytes)) {
            return true;
        }
        stack.extend(l.fields.iter().rev());
        while let Some(field) = stack.pop() {
            if wanted(field.name) && f(Occ::Field(field)) {
                return true;
            }
            stack.extend(field.children.iter().rev());
        }
    }
    false
}

/// Whether `n` is `name` or below it (`tcp.flags.syn` is below `tcp`).
fn under(n: &str, name: &str) -> bool {
    n.strip_prefix(name)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Whether the packet has a layer or field named `name`, or one below it.
pub(crate) fn present(d: &Dissection, name: &str) -> bool {
    if let Some([a, b]) = fields::alias(name) {
        return present(d, a) || present(d, b);
    }
    let mut stack = Vec::new();
    for l in &d.layers {
        if under(l.protocol, name) {
            return true;
        }
        stack.extend(l.fields.iter());
        while let Some(field) = stack.pop() {
            if under(field.name, name) {
                return true;
            }
            stack.extend(field.children.iter());
        }
    }
    false
}

pub fn eval(e: &Expr, p: Packet<'_>) -> bool {
    match e {
        Expr::All => true,
        Expr::And(v) => v.iter().all(|e| eval(e, p)),
        Expr::Or(v) => v.iter().any(|e| eval(e, p)),
        Expr::Not(e) => !eval(e, p),
        Expr::Has(n) => present(p.d, n),
        Expr::Test(n, t) => test(n, t, p),
    }
}

/// Test `t` on the occurrences of `name` in `p`.
pub(crate) fn test(name: &str, t: &Test, p: Packet<'_>) -> bool {
    test_values(t, &mut |f| any_occurrence(p, name, f))
}

/// Calls the function it is given on every occurrence of a field until that returns true,
/// and says whether it did.
pub(crate) type Occurrences<'a> = dyn FnMut(&mut dyn FnMut(Occ<'_>) -> bool) -> bool + 'a;

/// Applies test `t` to the occurrences of a field.
pub(crate) fn test_values(t: &Test, each: &mut Occurrences<'_>) -> bool {
    match t {
        Test::Cmp(Cmp::Ne, l) => {
            // Wireshark >= 3.6: `a != b` is `!(a == b)` over the occurrences
            // present: at least one occurrence, and none equal to b.
            let mut seen = false;
            let any_equal = each(&mut |o| {
                seen = true;
                compare::equals(&o, l)
            });
            seen && !any_equal
        }
        Test::Cmp(Cmp::Eq, l) => each(&mut |o| compare::equals(&o, l)),
        Test::Cmp(c, l) => each(&mut |o| ordered(&o, *c, l)),
        Test::Contains(l) => each(&mut |o| compare::contains(&o, l)),
        Test::Matches(re) => each(&mut |o| compare::matches(&o, re)),
        Test::In(items) => each(&mut |o| in_set(&o, items)),
        Test::Slice(slices, t) => test_values_cut(slices, t.as_deref(), each),
    }
}

/// Applies test `t` (presence: some bytes cut, without one) to the bytes the slices cut
/// out of each occurrence.
fn test_values_cut(slices: &[Slice], t: Option<&Test>, each: &mut Occurrences<'_>) -> bool {
    // `g` on the bytes cut out of `o` (no copy for one pair of brackets).
    let cut = |o: &Occ<'_>, g: &mut dyn FnMut(&[u8]) -> bool| -> bool {
        let Some(src) = o.sliceable() else {
            return false;
        };
        let Some((first, rest)) = slices.split_first() else {
            return g(&src);
        };
        let mut bytes = slice::cut(first, &src);
        for s in rest {
            bytes = Cow::Owned(slice::cut(s, &bytes).into_owned());
        }
        g(&bytes)
    };
    let Some(t) = t else {
        return each(&mut |o| cut(&o, &mut |b| !b.is_empty()));
    };
    test_values(t, &mut |f| {
        each(&mut |o| cut(&o, &mut |b| f(Occ::Bytes(b))))
    })
}

/// `f` on the occurrence, or on each packet it links to when it links to several.
fn any_scalar(o: &Occ<'_>, f: &mut dyn FnMut(&Occ<'_>) -> bool) -> bool {
    match o.value() {
        Value::Frames(v) => v.iter().any(|n| f(&Occ::Value(&Value::Frame(*n)))),
        _ => f(o),
    }
}

/// `<`, `<=`, `>`, `>=` on one occurrence (for several packets linked, on one of them).
fn ordered(o: &Occ<'_>, c: Cmp, l: &super::parser::Literal) -> bool {
    any_scalar(o, &mut |o| {
        compare::order(o, l).is_some_and(|x| match c {
            Cmp::Lt => x == Ordering::Less,
            Cmp::Le => x != Ordering::Greater,
            Cmp::Gt => x == Ordering::Greater,
            _ => x != Ordering::Less,
        })
    })
}

fn in_set(o: &Occ<'_>, items: &[SetItem]) -> bool {
    items.iter().any(|i| match i {
        SetItem::One(l) => compare::equals(o, l),
        SetItem::Range(lo, hi) => any_scalar(o, &mut |o| {
            ordered(o, Cmp::Ge, lo) && ordered(o, Cmp::Le, hi)
        }),
    })
}
