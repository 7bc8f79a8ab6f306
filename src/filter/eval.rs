//! Evaluating an expression against one packet's field tree: each occurrence of a name is
//! compared by its typed value ([`super::compare`]).

use std::cmp::Ordering;

use crate::dissect::{Dissection, Value};

use super::compare::{self, Occ};
use super::fields;
use super::lexer::Cmp;
use super::parser::{Expr, SetItem, Test};

/// Calls `f` on every occurrence of `name` (fields of that name, and the layers of that
/// protocol) until it returns true.
fn any_occurrence(d: &Dissection, name: &str, f: &mut dyn FnMut(Occ<'_>) -> bool) -> bool {
    let names = fields::alias(name);
    let wanted = |n: &str| match names {
        Some([a, b]) => n == a || n == b,
        None => n == name,
    };
    let mut stack = Vec::new();
    for l in &d.layers {
        if wanted(l.protocol) && f(Occ::Title(&l.title)) {
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

pub fn eval(e: &Expr, d: &Dissection) -> bool {
    match e {
        Expr::All => true,
        Expr::And(v) => v.iter().all(|e| eval(e, d)),
        Expr::Or(v) => v.iter().any(|e| eval(e, d)),
        Expr::Not(e) => !eval(e, d),
        Expr::Has(n) => present(d, n),
        Expr::Test(n, t) => test(n, t, d),
    }
}

/// Test `t` on the occurrences of `name` in `d`.
pub(crate) fn test(name: &str, t: &Test, d: &Dissection) -> bool {
    test_values(t, &mut |f| any_occurrence(d, name, f))
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
    }
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
